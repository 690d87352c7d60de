"""axe-core finds no WCAG 2.1 A/AA violations on the screens of the portfolio.

The demo gives Vera a photo (with a thumbnail), a PDF, a STARR story and a statement confirmed
by Joke de Wit; her evidence all comes from one place and one competency has a single item, so
the overview shows VRAAK tips. The ``portfolio`` fixture adds what the demo does not have: a
comment of the supervisor, a visit of the supervisor in the access log, and a statement waiting
for its referee, with the link that was mailed. Each test first checks that it is on the
intended screen (not on a refusal), then runs axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evc.accounts.models import User
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.portfolio import services
from evc.portfolio.models import EvidenceItem
from evc.procedure.models import Trajectory
from tests.browser.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser

VERA = "vrijwilliger@example.org"
SUPERVISOR = "begeleider@example.org"
PHOTO = "Foto van de kerstmarkt"
CONFIRMED = "Verklaring van de coördinator van het buurthuis"
PENDING = "Verklaring van de buurvrouw"
COMMENT = "Mooie foto. Wat deed jij precies bij de kraam?"


@pytest.fixture
def portfolio(make_app, live_server):
    """Ids and the referee link, with a comment, a visit and a pending statement added."""
    app = make_app()
    with app.app_context():
        vera = db.session.scalar(select(User).where(User.email == VERA))
        supervisor = db.session.scalar(select(User).where(User.email == SUPERVISOR))
        trajectory = db.session.scalar(select(Trajectory).where(Trajectory.volunteer_id == vera.id))

        def item(title):
            return db.session.scalar(select(EvidenceItem).where(EvidenceItem.title == title))

        photo, confirmed = item(PHOTO), item(CONFIRMED)
        services.add_comment(photo, COMMENT, actor=supervisor)
        services.record_access(photo, actor=supervisor, what="viewed")
        services.record_access(photo, actor=supervisor, what="downloaded")
        pending = services.add_evidence(
            trajectory,
            {
                "kind": "referee_statement",
                "title": PENDING,
                "description": "Vera doet elke week de boodschappen voor haar buurvrouw.",
                "activity_from": photo.activity_from,
                "activity_to": None,
                "work_context": "Buurthuis De Brug",
            },
            ["communicating"],
            upload=None,
            original_name=None,
            actor=vera,
        )
        services.request_referee(
            pending, name="Fatima Yilmaz", role="Buurvrouw", email="fatima@example.org", actor=vera
        )
        db.session.commit()
        body = db.session.scalar(
            select(OutboxMessage.body).where(OutboxMessage.to_address == "fatima@example.org")
        )
        found = {
            "trajectory": trajectory.id,
            "photo": photo.id,
            "confirmed": confirmed.id,
            "pending": pending.id,
            "link": re.search(r"/verklaring/[A-Za-z0-9_-]+", body).group(0),
        }
        db.session.remove()
    return found


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]


def h1(page):
    return page.get_by_role("heading", level=1)


def error_summary(page):
    return page.get_by_role("alert").filter(has_text="Er is iets niet goed ingevuld")


# --- the volunteer -------------------------------------------------------------------------------


def test_overview_with_thumbnail_tips_and_referee_states(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/trajecten/{portfolio['trajectory']}/portfolio")
    expect(h1(page)).to_contain_text("Portfolio")
    expect(page.locator("img.evidence__thumb")).to_have_count(1)
    tips = page.get_by_role("region", name="Tips om je bewijs sterker te maken")
    expect(tips).to_contain_text("Kwantiteit")
    expect(tips).to_contain_text("Variatie")
    expect(page.locator("li.evidence")).to_have_count(5)
    expect(page.get_by_text("bevestigd door Joke de Wit", exact=False)).to_have_count(1)
    expect(page.get_by_text("wacht op Fatima Yilmaz")).to_have_count(1)
    assert_accessible(page)


def test_add_form_also_after_an_empty_submit(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/trajecten/{portfolio['trajectory']}/portfolio/nieuw")
    expect(h1(page)).to_have_text("Bewijs toevoegen")
    expect(page.get_by_role("checkbox")).to_have_count(3)
    assert_accessible(page)
    page.get_by_role("button", name="Opslaan").click()
    expect(error_summary(page)).to_be_visible()
    expect(page.get_by_label("Titel", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_add_form_with_a_refused_file(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/trajecten/{portfolio['trajectory']}/portfolio/nieuw")
    page.get_by_role("radio", name="Document (bijvoorbeeld een verslag)").check()
    page.get_by_label("Titel", exact=True).fill("Verslag")
    page.get_by_label("Wanneer was het?").fill("2026-01-15")
    page.get_by_label("Bij welk vrijwilligerswerk?").fill("Buurthuis De Brug")
    page.get_by_role("checkbox", name="Communiceren").check()
    page.get_by_label("Bestand (mag leeg blijven bij een verhaal)").set_input_files(
        {"name": "verslag.pdf", "mimeType": "application/pdf", "buffer": b"<html></html>"}
    )
    page.get_by_role("button", name="Opslaan").click()
    expect(error_summary(page)).to_contain_text("Dit soort bestand kan niet.")
    expect(page.locator("#file")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_photo_page_with_comments_and_the_comment_form(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/bewijs/{portfolio['photo']}")
    expect(h1(page)).to_contain_text(PHOTO)
    expect(page.locator("img.evidence__photo")).to_be_visible()
    expect(page.get_by_role("region", name="Reacties")).to_contain_text(COMMENT)
    expect(page.get_by_role("button", name="Reactie plaatsen")).to_be_visible()
    assert_accessible(page)


def test_photo_page_as_the_supervisor(page, portfolio):
    log_in(page, SUPERVISOR)
    page.goto(f"/bewijs/{portfolio['photo']}")
    expect(h1(page)).to_contain_text(PHOTO)
    expect(page.get_by_role("button", name="Reactie plaatsen")).to_be_visible()
    expect(page.get_by_role("link", name="Aanpassen")).to_have_count(0)
    assert_accessible(page)


def test_confirmed_referee_statement(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/bewijs/{portfolio['confirmed']}")
    region = page.get_by_role("region", name="Verklaring")
    expect(region).to_contain_text("bevestigd door Joke de Wit")
    expect(region).to_contain_text("een van onze meest betrouwbare vrijwilligers")
    assert_accessible(page)


def test_edit_form_of_the_photo(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/bewijs/{portfolio['photo']}/bewerken")
    expect(h1(page)).to_have_text("Bewijs aanpassen")
    expect(page.get_by_text("Huidig bestand: kerstmarkt.jpg")).to_be_visible()
    assert_accessible(page)


def test_remove_confirmation(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/bewijs/{portfolio['photo']}")
    page.get_by_role("link", name="Weghalen").click()
    expect(h1(page)).to_have_text(f"„{PHOTO}” weghalen?")
    expect(page.get_by_role("button", name="Ja, haal het weg")).to_be_visible()
    assert_accessible(page)


def test_ask_referee_form_also_with_errors(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/bewijs/{portfolio['pending']}")
    page.get_by_role("link", name="Opnieuw vragen").click()
    expect(h1(page)).to_contain_text("Verklaring vragen")
    assert_accessible(page)
    page.get_by_label("E-mailadres van de referent").fill("geen adres")
    page.get_by_role("button", name="Verklaring vragen").click()
    expect(error_summary(page)).to_be_visible()
    expect(page.get_by_label("Naam van de referent")).to_have_attribute("aria-invalid", "true")
    expect(error_summary(page)).to_contain_text("Vul een geldig e-mailadres in")
    assert_accessible(page)


def test_access_log(page, portfolio):
    log_in(page, VERA)
    page.goto(f"/trajecten/{portfolio['trajectory']}/portfolio")
    page.get_by_role("link", name="Wie heeft mijn bewijs bekeken?").click()
    expect(h1(page)).to_have_text("Wie heeft mijn bewijs bekeken?")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Bram Begeleider")
    expect(rows.first).to_contain_text(f"{PHOTO}: bestand gedownload")
    assert_accessible(page)


# --- the referee, without an account -------------------------------------------------------------


def test_referee_page_also_with_errors_and_the_thank_you_page(page, portfolio):
    page.goto(portfolio["link"])
    expect(h1(page)).to_have_text("Wil je dit bevestigen?")
    expect(page.locator("main")).to_contain_text("Vera doet elke week de boodschappen")
    assert_accessible(page)
    page.get_by_role("button", name="Versturen").click()
    expect(error_summary(page)).to_contain_text("Kies of je het bevestigt.")
    assert_accessible(page)
    page.get_by_role("radio", name="Nee, dit kan ik niet bevestigen").check()
    page.get_by_role("button", name="Versturen").click()
    expect(error_summary(page)).to_contain_text("Schrijf kort waarom")
    expect(page.get_by_label(re.compile("^Je eigen woorden"))).to_have_attribute(
        "aria-invalid", "true"
    )
    assert_accessible(page)
    page.get_by_role("radio", name="Ja, ik bevestig dit").check()
    page.get_by_role("button", name="Versturen").click()
    expect(h1(page)).to_have_text("Dank je wel")
    assert_accessible(page)


def test_used_referee_link(page, portfolio):
    page.goto("/verklaring/deze-link-bestaat-niet-of-niet-meer")
    expect(h1(page)).to_have_text("Deze link werkt niet meer")
    assert_accessible(page)
