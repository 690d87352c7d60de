"""The EVC-A procedure in a real browser, from starting a trajectory to the submit page.

A new volunteer (not one of the demo trajectories) goes through every step built so far: the
coordinator starts the trajectory, the supervisor records the intake, the volunteer confirms it,
chooses competencies and assesses herself (once as a draft first), the supervisor logs two
guidance sessions, and the submit page refuses while evidence is missing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evc.accounts.models import Organisation, Role
from evc.demo import VOLUNTEER_ORG
from evc.extensions import db
from tests import factories
from tests.browser.conftest import LOGIN, log_in

pytestmark = pytest.mark.browser

SANNE_EMAIL = "sanne@example.org"
SANNE = "Sanne de Vries"
SANNE_PASSWORD = "een heel lange zin voor sanne"
COORDINATOR = "coordinator@example.org"
SUPERVISOR = "begeleider@example.org"
COMPETENCIES = ("Communiceren", "Samenwerken", "Problemen oplossen")
PRIVATE_NOTE = "Sanne is onzeker over haar schrijfwerk."
SHARED_NOTE = "Volgende keer nemen we de voorbeelden door."
TRAJECTORY_URL = re.compile(r"/trajecten/(\d+)(#.*)?$")
STARR = {
    "Situatie": "Op de open dag van het buurthuis was het erg druk.",
    "Taak": "Ik moest nieuwe bezoekers ontvangen en rondleiden.",
    "Actie": "Ik maakte een rooster met de andere vrijwilligers en hield het bij.",
    "Resultaat": "Iedereen werd op tijd geholpen en er kwamen drie nieuwe vrijwilligers bij.",
    "Reflectie": "Ik heb geleerd dat vooraf plannen rust geeft als het druk wordt.",
}


@pytest.fixture
def app_context(make_app, live_server):
    """An app context on the live server's database, for setting up and looking up records."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def sanne(app_context):
    """A volunteer of De Brug without a trajectory, with a known password."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == VOLUNTEER_ORG))
    factories.user(
        (organisation, Role.VOLUNTEER), email=SANNE_EMAIL, name=SANNE, password=SANNE_PASSWORD
    )
    db.session.remove()
    return SANNE_EMAIL


def status(page):
    return page.get_by_role("status")


def log_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(LOGIN)


def open_sannes_trajectory_as_supervisor(page) -> None:
    log_in(page, SUPERVISOR)
    page.get_by_role("link", name="Naar je vrijwilligers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vrijwilligers die je begeleidt")
    page.get_by_role("table").get_by_role("link", name=SANNE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"EVC-A-traject van {SANNE}")


def iso(day: date) -> str:
    return day.isoformat()


def start_trajectory_as_coordinator(page) -> int:
    log_in(page, COORDINATOR)
    page.get_by_role("row", name=re.compile(VOLUNTEER_ORG)).get_by_role(
        "link", name=re.compile("^Trajecten")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trajecten")
    page.get_by_role("link", name="Nieuw traject starten").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nieuw traject starten")
    page.get_by_label("Vrijwilliger", exact=True).select_option(label=SANNE)
    page.get_by_label("Begeleider", exact=True).select_option(label="Bram Begeleider")
    page.get_by_role("button", name="Traject starten").click()
    expect(status(page)).to_have_text(f"Het traject van {SANNE} is gestart.")
    match = TRAJECTORY_URL.search(page.url)
    assert match, page.url
    # The coordinator does not record the intake: that is the supervisor's job.
    expect(page.get_by_role("link", name="Begingesprek vastleggen")).to_have_count(0)
    log_out(page)
    return int(match.group(1))


def record_intake_as_supervisor(page) -> None:
    open_sannes_trajectory_as_supervisor(page)
    page.get_by_role("link", name="Begingesprek vastleggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Begingesprek")
    today = date.today()
    page.get_by_label("Datum van het gesprek").fill(iso(today - timedelta(days=2)))
    page.get_by_label("Een (betaalde) baan vinden").check()
    page.get_by_label("Het doel in eigen woorden").fill("Ik wil werk vinden als gastvrouw.")
    page.get_by_label("Vrijwilligerswerk: bij welke organisatie").fill("Buurthuis De Brug")
    page.get_by_label("Vrijwilligerswerk: welke taken").fill("Gasten ontvangen, koffie schenken.")
    page.get_by_label("Vrijwilligerswerk: sinds wanneer").fill(iso(today - timedelta(days=400)))
    page.get_by_label("Afspraken over de gesprekken").fill("Elke twee weken op donderdag.")
    page.get_by_label("Streefdatum om het portfolio in te leveren").fill(
        iso(today + timedelta(days=60))
    )
    page.get_by_role("button", name="Begingesprek opslaan").click()
    expect(status(page)).to_have_text(
        f"Het begingesprek is opgeslagen. {SANNE} krijgt een e-mail om de afspraken te bevestigen."
    )
    expect(page.locator("[data-next-step]")).to_have_text(
        f"Wacht tot {SANNE} de afspraken van het begingesprek bevestigt."
    )
    log_out(page)


def fill_self_assessment(page, competency: str, *, only_situation: bool = False) -> None:
    page.get_by_role("table").get_by_role("link", name=competency, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(competency)
    if only_situation:
        page.get_by_label("Situatie", exact=True).fill(STARR["Situatie"])
    else:
        page.get_by_role("radio", name=re.compile("^Goed:")).check()
        for label, text in STARR.items():
            page.get_by_label(label, exact=True).fill(text)
    page.get_by_role("button", name="Opslaan", exact=True).click()


def competency_row(page, competency: str):
    return page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=competency, exact=True)
    )


def confirm_choose_and_assess_as_sanne(page) -> None:
    log_in(page, SANNE_EMAIL, SANNE_PASSWORD)
    volunteer = page.locator("section[data-role=volunteer]")
    expect(volunteer.locator("[aria-current=step]")).to_contain_text("Begingesprek")
    expect(volunteer).to_contain_text("Lees de afspraken van je begingesprek en bevestig ze.")
    volunteer.get_by_role("link", name="Naar je traject").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jouw EVC-A-traject")
    expect(page.get_by_role("region", name="Begingesprek")).to_contain_text("Buurthuis De Brug")

    page.get_by_role("button", name="Ik bevestig de afspraken").click()
    expect(status(page)).to_contain_text("Je hebt de afspraken bevestigd")
    expect(page.locator("[aria-current=step]")).to_contain_text("Herkennen")
    expect(page.get_by_role("button", name="Ik bevestig de afspraken")).to_have_count(0)

    page.get_by_role("link", name="Competenties kiezen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Competenties kiezen")
    for competency in COMPETENCIES:
        page.get_by_role("checkbox", name=competency, exact=True).check()
    page.get_by_role("button", name="Keuze opslaan").click()
    expect(status(page)).to_contain_text("Je keuze is opgeslagen.")
    for competency in COMPETENCIES:
        expect(competency_row(page, competency)).to_contain_text("nog niet begonnen")

    # A draft first: only the situation.
    first = COMPETENCIES[0]
    fill_self_assessment(page, first, only_situation=True)
    expect(status(page)).to_have_text("Opgeslagen als concept. Je kunt later verder schrijven.")
    expect(competency_row(page, first)).to_contain_text("concept")
    # The draft is kept when the page is opened again.
    page.get_by_role("table").get_by_role("link", name=first, exact=True).click()
    expect(page.get_by_label("Situatie", exact=True)).to_have_value(STARR["Situatie"])
    page.get_by_role("link", name="Terug naar het traject").click()

    for competency in COMPETENCIES:
        fill_self_assessment(page, competency)
        expect(status(page)).to_have_text(
            f"Opgeslagen. Je zelfbeoordeling voor {competency} is compleet."
        )
        expect(competency_row(page, competency)).to_contain_text("klaar")
    log_out(page)


def log_sessions_as_supervisor(page) -> None:
    open_sannes_trajectory_as_supervisor(page)
    for days_ago, topics in ((14, "Kennismaking en STARR uitleggen"), (3, "Voorbeelden lezen")):
        page.get_by_role("link", name="Gesprek vastleggen").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Gesprek vastleggen")
        page.get_by_label("Datum van het gesprek").fill(iso(date.today() - timedelta(days_ago)))
        page.get_by_label("Onderwerpen").fill(topics)
        page.get_by_label("Aantekeningen voor de vrijwilliger").fill(SHARED_NOTE)
        page.get_by_label("Eigen aantekeningen (alleen voor jou)").fill(PRIVATE_NOTE)
        page.get_by_role("button", name="Gesprek opslaan").click()
        expect(status(page)).to_have_text("Het gesprek is opgeslagen.")
    expect(page.locator("[data-sessions]")).to_have_text("2 van 2 individuele gesprekken gehouden")
    expect(page.locator(".session")).to_have_count(2)
    expect(page.locator(".private-notes")).to_have_count(2)
    expect(page.locator(".private-notes").first).to_contain_text(PRIVATE_NOTE)
    log_out(page)


def sanne_cannot_submit_yet(page, trajectory_id: int) -> None:
    log_in(page, SANNE_EMAIL, SANNE_PASSWORD)
    page.locator("section[data-role=volunteer]").get_by_role("link", name="Naar je traject").click()
    meetings = page.get_by_role("region", name="Gesprekken en bijeenkomsten")
    expect(meetings).to_contain_text("2 van 2 individuele gesprekken gehouden")
    expect(meetings).to_contain_text(SHARED_NOTE)
    expect(page.get_by_text(PRIVATE_NOTE)).to_have_count(0)
    expect(page.locator(".private-notes")).to_have_count(0)
    assert PRIVATE_NOTE not in page.content()

    submit = page.get_by_role("region", name="Inleveren voor de beoordeling")
    missing = submit.get_by_role("listitem")
    expect(missing).to_have_count(1)  # everything else is done
    expect(missing).to_contain_text("Er is nog geen bewijs voor: ")
    for competency in COMPETENCIES:
        expect(missing).to_contain_text(competency)

    page.goto(f"/trajecten/{trajectory_id}/indienen")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inleveren voor de beoordeling")
    expect(page.get_by_role("alert")).to_contain_text("Er is nog geen bewijs voor: ")
    expect(page.get_by_role("button", name="Portfolio inleveren")).to_have_count(0)


def test_a_new_volunteer_from_start_to_the_submit_page(page, sanne):
    trajectory_id = start_trajectory_as_coordinator(page)
    record_intake_as_supervisor(page)
    confirm_choose_and_assess_as_sanne(page)
    log_sessions_as_supervisor(page)
    sanne_cannot_submit_yet(page, trajectory_id)
    # The journey ends where the portfolio begins: the missing evidence is what blocks.
    expect(page.get_by_role("alert")).to_contain_text("Er is nog geen bewijs voor: ")
