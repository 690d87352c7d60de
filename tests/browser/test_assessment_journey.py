"""The independent assessment in a real browser, from assigning an assessor to the report.

Noor (a new volunteer of De Brug, not one of the demo trajectories) has submitted her portfolio
with two competencies. The coordinator assigns Bea, the demo assessor from the pool. Bea first
declares that she does not know Noor, then sends the portfolio back for one competency. Noor
reads what is missing, adds a story and submits again. Bea sees her earlier note, judges both
competencies on the five VRAAK criteria and makes the report final. Noor reads the report: her
self-rating next to Bea's verdict, in the table and in the chart. Every assessment screen on
the way passes axe-core (WCAG 2.1 A/AA); the declaration is made with the keyboard only.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evc.accounts import services as accounts
from evc.accounts.models import Organisation, Role
from evc.demo import VOLUNTEER_ORG
from evc.extensions import db
from evc.portfolio import services as portfolio
from evc.procedure import services as procedure
from evc.procedure.models import GoalKind
from tests import factories
from tests.browser.conftest import LOGIN, axe_violations, log_in

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@example.org"
SUPERVISOR = "begeleider@example.org"
ASSESSOR = "beoordelaar@example.org"
BEA = "Bea Beoordelaar"
NOOR_EMAIL = "noor@example.org"
NOOR = "Noor Visser"
NOOR_PASSWORD = "een heel lange zin voor noor"
# (competency id, name in Dutch, self-rating, label of that rating on the scale)
COMMUNICATING = ("communicating", "Communiceren", 3, "Goed")
COOPERATING = ("cooperating", "Samenwerken", 4, "Heel goed")
COMPETENCIES = (COMMUNICATING, COOPERATING)
FIRST_EVIDENCE = {
    "communicating": "Een boze bezoeker kalmeren",
    "cooperating": "De open dag met z'n drieën",
}
SELF_ASSESSMENT_TEXT = "Op de open dag kwamen meer bezoekers dan we hadden verwacht."
RETURN_NOTE = "Er is maar één voorbeeld. Laat zien hoe je in een andere situatie samenwerkte."
NEW_STORY_TITLE = "Samen de inzamelactie regelen"
NEW_STORY = (
    "Situatie: de voedselbank hield een inzamelactie bij de supermarkt. Taak: ik deelde de "
    "diensten in. Actie: ik belde iedereen en maakte samen met Kees een rooster. Resultaat: "
    "elke dienst was bezet. Reflectie: samen plannen kost tijd, maar het loont."
)
MOTIVATION = {
    "communicating": "Twee verschillende voorbeelden laten zien dat Noor rustig en duidelijk "
    "met bezoekers praat.",
    "cooperating": "De voorbeelden zijn goed, maar ze komen allebei uit het plannen van "
    "diensten. Samenwerken in het dagelijkse werk is nog niet te zien.",
}
ADVICE = "Vraag een collega om een verklaring over hoe jullie samen de uitgifte doen."
SUMMARY = "Noor laat duidelijk zien dat ze goed communiceert. Voor samenwerken is meer nodig."
# (label of the VRAAK criterion, Cooperating sufficient?)
CRITERIA = (
    ("Variatie", False),
    ("Relevantie", True),
    ("Authenticiteit", True),
    ("Actualiteit", True),
    ("Kwantiteit", True),
)


# --- setting up: a submitted portfolio, made through the services -------------------------------


@pytest.fixture
def app_context(make_app, live_server):
    """An app context on the live server's database, for setting up records."""
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def noors_portfolio(app_context) -> int:
    """Noor's trajectory in De Brug, submitted (phase assessment): two competencies, each with
    a complete self-assessment and one story as evidence. Returns the trajectory's id."""
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == VOLUNTEER_ORG))
    noor = factories.user(
        (organisation, Role.VOLUNTEER), email=NOOR_EMAIL, name=NOOR, password=NOOR_PASSWORD
    )
    coordinator = accounts.find_user_by_email(COORDINATOR)
    supervisor = accounts.find_user_by_email(SUPERVISOR)
    today = date.today()
    trajectory = procedure.start_trajectory(
        organisation, volunteer=noor, supervisor=supervisor, actor=coordinator
    )
    procedure.record_intake(
        trajectory,
        {
            "held_on": today - timedelta(days=60),
            "goal_kind": GoalKind.SELF_INSIGHT,
            "goal": "Ik wil weten wat ik kan.",
            "work_organisation": "Buurthuis De Brug",
            "work_tasks": "Bezoekers ontvangen en de open dag helpen organiseren.",
            "work_since": today - timedelta(days=500),
            "meeting_plan": "Elke twee weken op maandag.",
            "target_submission_date": today + timedelta(days=30),
        },
        actor=supervisor,
    )
    procedure.confirm_intake(trajectory, version_id=trajectory.intake.version_id, actor=noor)
    procedure.choose_competencies(trajectory, [c[0] for c in COMPETENCIES], actor=noor)
    for competency_id, _name, rating, _label in COMPETENCIES:
        procedure.save_self_assessment(
            trajectory,
            competency_id,
            {
                "rating": rating,
                "situation": SELF_ASSESSMENT_TEXT,
                "task": "Ik moest de bezoekers ontvangen.",
                "action": "Ik verdeelde de taken met de andere vrijwilligers.",
                "result": "Iedereen werd op tijd geholpen.",
                "reflection": "Samen afspreken wie wat doet, geeft rust.",
            },
            version_id=None,
            actor=noor,
        )
        portfolio.add_evidence(
            trajectory,
            {
                "kind": "story",
                "title": FIRST_EVIDENCE[competency_id],
                "description": "Situatie, taak, actie, resultaat en reflectie in eigen woorden.",
                "activity_from": today - timedelta(days=90),
                "activity_to": None,
                "work_context": "Buurthuis De Brug",
            },
            [competency_id],
            upload=None,
            original_name=None,
            actor=noor,
        )
    for days_ago in (40, 10):
        procedure.log_guidance_session(
            trajectory,
            held_on=today - timedelta(days=days_ago),
            topics="Voorbeelden en bewijs",
            shared_notes="",
            private_notes="",
            actor=supervisor,
        )
    procedure.submit_for_assessment(trajectory, actor=noor)
    db.session.commit()
    trajectory_id = trajectory.id
    db.session.remove()
    return trajectory_id


# --- helpers -------------------------------------------------------------------------------------


def h1(page):
    return page.get_by_role("heading", level=1)


def status(page):
    return page.get_by_role("status")


def log_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(LOGIN)


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]


def row_of(container, name: str):
    """The table row whose row header is ``name``."""
    return container.get_by_role("row").filter(
        has=container.page.get_by_role("rowheader", name=name, exact=True)
    )


def focused(page) -> dict:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName.toLowerCase(),"
        " type: document.activeElement.type || '', id: document.activeElement.id,"
        " text: document.activeElement.textContent.trim()})"
    )


def open_trajectory_as_noor(page) -> None:
    log_in(page, NOOR_EMAIL, NOOR_PASSWORD)
    page.locator("section[data-role=volunteer]").get_by_role("link", name="Naar je traject").click()
    expect(h1(page)).to_contain_text("Jouw EVC-A-traject")


def open_noors_portfolio_as_bea(page) -> None:
    log_in(page, ASSESSOR)
    page.locator("section[data-role=assessor]").get_by_role(
        "link", name="Naar je beoordelingen"
    ).click()
    expect(h1(page)).to_have_text("Je beoordelingen")
    page.get_by_role("table").get_by_role("link", name=NOOR, exact=True).click()


# --- the journey ---------------------------------------------------------------------------------


def coordinator_assigns_bea(page) -> None:
    log_in(page, COORDINATOR)
    row_of(page.locator("section[data-role=coordinator]"), VOLUNTEER_ORG).get_by_role(
        "link", name=re.compile("^Beoordelingen")
    ).click()
    expect(h1(page)).to_contain_text("Beoordelingen")
    expect(h1(page)).to_contain_text(VOLUNTEER_ORG)
    unassigned = page.get_by_role("region", name="Ingediend, nog zonder beoordelaar")
    running = page.get_by_role("region", name="Beoordeling loopt")
    expect(row_of(unassigned, NOOR)).to_have_count(1)
    expect(row_of(running, NOOR)).to_have_count(0)
    assert_accessible(page)  # the coordinator's overview

    row_of(unassigned, NOOR).get_by_role("link", name=re.compile("^Beoordelaar toewijzen")).click()
    expect(h1(page)).to_contain_text("Beoordelaar toewijzen")
    expect(h1(page)).to_contain_text(NOOR)
    assert_accessible(page)  # the assign page
    page.get_by_label("Beoordelaar", exact=True).select_option(label=BEA)
    page.get_by_role("button", name="Toewijzen").click()

    expect(status(page)).to_have_text(f"{BEA} is toegewezen en krijgt een e-mail.")
    expect(h1(page)).to_contain_text("Beoordelingen")
    expect(row_of(unassigned, NOOR)).to_have_count(0)
    expect(row_of(running, NOOR)).to_contain_text(f"{BEA} (wacht op verklaring)")
    log_out(page)


def declare_with_the_keyboard(page) -> None:
    """Skip link, back link, the "no" choice (Space), past the note, Enter on the button."""
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Ga direct naar de inhoud"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Terug naar je beoordelingen"
    page.keyboard.press("Tab")
    no = page.get_by_role("radio", name="Nee, ik ken deze vrijwilliger niet persoonlijk")
    expect(no).to_be_focused()
    expect(no).not_to_be_checked()
    page.keyboard.press("Space")
    expect(no).to_be_checked()
    page.keyboard.press("Tab")  # leaves the radio group
    expect(page.get_by_label("Toelichting (mag leeg blijven)")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Verklaring opslaan")).to_be_focused()
    page.keyboard.press("Enter")


def bea_declares_and_sends_it_back(page) -> None:
    open_noors_portfolio_as_bea(page)
    # The declaration comes first: nothing of the portfolio is shown yet.
    expect(h1(page)).to_have_text("Verklaring van onafhankelijkheid")
    expect(page.locator("[data-volunteer]")).to_have_text(NOOR)
    main = page.get_by_role("main")
    expect(main.get_by_role("table")).to_have_count(0)
    for _id, name, _rating, _label in COMPETENCIES:
        expect(main).not_to_contain_text(name)
    for title in FIRST_EVIDENCE.values():
        expect(main).not_to_contain_text(title)
    expect(main).not_to_contain_text(SELF_ASSESSMENT_TEXT)
    assert_accessible(page)  # the declaration page
    declare_with_the_keyboard(page)

    expect(status(page)).to_have_text("Je verklaring is opgeslagen. Je kunt nu beginnen.")
    expect(h1(page)).to_contain_text("Beoordeling")
    expect(page.locator("[data-volunteer]")).to_contain_text(NOOR)
    checklist = page.get_by_role("table", name="Wat het portfolio bevat, per gekozen competentie")
    for _id, name, _rating, _label in COMPETENCIES:
        expect(row_of(checklist, name)).to_contain_text("ja")
        expect(row_of(checklist, name)).to_contain_text("compleet")
    assert_accessible(page)  # the workspace

    page.get_by_role("link", name="Controle afronden").click()
    expect(h1(page)).to_contain_text("Stap 1: is het portfolio compleet?")
    assert_accessible(page)  # the completeness page
    page.get_by_role("radio", name="Nee, ik stuur het terug met wat er ontbreekt").check()
    page.get_by_label(COOPERATING[1], exact=True).fill(RETURN_NOTE)
    page.get_by_role("button", name="Opslaan", exact=True).click()

    expect(status(page)).to_contain_text("Het portfolio is teruggestuurd.")
    expect(h1(page)).to_have_text("Je beoordelingen")
    expect(row_of(page.get_by_role("table"), NOOR)).to_contain_text(
        "teruggestuurd, wacht op aanvulling"
    )
    log_out(page)


def noor_adds_evidence_and_submits_again(page) -> None:
    open_trajectory_as_noor(page)
    assessment = page.get_by_role("region", name="Beoordeling", exact=True)
    expect(assessment).to_contain_text("De beoordelaar vraagt om meer bewijs")
    missing = assessment.locator("[data-returned] dl")
    expect(missing.locator("dt")).to_have_text([COOPERATING[1]])
    expect(missing.locator("dd")).to_have_text([RETURN_NOTE])

    page.get_by_role("link", name="Naar het portfolio").click()
    expect(h1(page)).to_contain_text("Portfolio")
    page.get_by_role("link", name="Bewijs toevoegen").click()
    expect(h1(page)).to_have_text("Bewijs toevoegen")
    page.get_by_role("radio", name="Verhaal (STARR), alleen tekst", exact=True).check()
    page.get_by_label("Titel", exact=True).fill(NEW_STORY_TITLE)
    page.get_by_label("Beschrijving", exact=True).fill(NEW_STORY)
    page.get_by_label("Wanneer was het?").fill((date.today() - timedelta(days=20)).isoformat())
    page.get_by_label("Bij welk vrijwilligerswerk?").fill("Voedselbank Oost, inzamelactie")
    page.get_by_role("checkbox", name=COOPERATING[1], exact=True).check()
    page.get_by_role("button", name="Opslaan").click()
    expect(status(page)).to_have_text(f"Je bewijs „{NEW_STORY_TITLE}” is toegevoegd.")

    page.get_by_role("link", name="Terug naar het traject").click()
    competencies = page.get_by_role("region", name="Competenties en zelfbeoordeling")
    expect(row_of(competencies, COOPERATING[1]).get_by_role("cell").last).to_have_text("2")
    page.get_by_role("region", name="Inleveren voor de beoordeling").get_by_role(
        "link", name="Naar inleveren"
    ).click()
    expect(h1(page)).to_have_text("Inleveren voor de beoordeling")
    page.get_by_role("button", name="Portfolio inleveren").click()
    expect(status(page)).to_have_text("Het portfolio is ingediend voor de beoordeling.")
    expect(page.get_by_role("region", name="Inleveren voor de beoordeling")).to_have_count(0)
    expect(page.get_by_role("region", name="Beoordeling", exact=True)).to_contain_text(
        f"Beoordelaar: {BEA}"
    )
    log_out(page)


def judge(page, competency: str, *, demonstrated: bool, motivation: str, advice: str = ""):
    expect(h1(page)).to_contain_text(competency)
    expect(page.get_by_role("region", name="Zelfbeoordeling van de vrijwilliger")).to_contain_text(
        SELF_ASSESSMENT_TEXT
    )
    for criterion, sufficient_when_not_yet in CRITERIA:
        sufficient = demonstrated or sufficient_when_not_yet
        page.get_by_role("group", name=criterion, exact=True).get_by_role(
            "radio", name="Voldoende" if sufficient else "Onvoldoende", exact=True
        ).check()
    verdict = "Aangetoond" if demonstrated else "Nog niet aangetoond"
    page.get_by_role("group", name="Oordeel", exact=True).get_by_role(
        "radio", name=verdict, exact=True
    ).check()
    page.get_by_label("Motivatie", exact=True).fill(motivation)
    if advice:
        page.get_by_label("Ontwikkeladvies (mag leeg blijven)").fill(advice)
    page.get_by_role("button", name="Oordeel opslaan").click()
    expect(status(page)).to_have_text("Je oordeel is opgeslagen.")


def bea_judges_and_finalises(page) -> None:
    open_noors_portfolio_as_bea(page)
    expect(h1(page)).to_contain_text("Beoordeling")
    earlier = page.get_by_role("region", name="Eerder teruggestuurd")
    expect(earlier).to_contain_text(COOPERATING[1])
    expect(earlier).to_contain_text(RETURN_NOTE)
    checklist = page.get_by_role("table", name="Wat het portfolio bevat, per gekozen competentie")
    expect(row_of(checklist, COOPERATING[1]).get_by_role("cell").nth(2)).to_have_text("2")
    assert_accessible(page)  # the workspace again, now with the earlier return

    page.get_by_role("link", name="Controle afronden").click()
    expect(h1(page)).to_contain_text("Stap 1: is het portfolio compleet?")
    expect(page.get_by_role("region", name="Eerder teruggestuurd")).to_contain_text(RETURN_NOTE)
    page.get_by_role("radio", name="Ja, ik ga verder met beoordelen").check()
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(status(page)).to_have_text("Het portfolio is compleet. Beoordeel nu elke competentie.")

    judgements = page.get_by_role("table", name="Jouw oordelen")
    expect(row_of(judgements, COMMUNICATING[1])).to_contain_text("nog geen oordeel")
    judgements.get_by_role("link", name=COMMUNICATING[1], exact=True).click()
    assert_accessible(page)  # a judgement page
    judge(page, COMMUNICATING[1], demonstrated=True, motivation=MOTIVATION["communicating"])
    # On to the next competency without a judgement.
    expect(page.get_by_role("region", name="Bewijs bij deze competentie")).to_contain_text(
        NEW_STORY_TITLE
    )
    judge(
        page,
        COOPERATING[1],
        demonstrated=False,
        motivation=MOTIVATION["cooperating"],
        advice=ADVICE,
    )
    expect(row_of(judgements, COMMUNICATING[1])).to_contain_text("Aangetoond")
    expect(row_of(judgements, COOPERATING[1])).to_contain_text("Nog niet aangetoond")

    page.get_by_role("link", name="Naar het rapport").click()
    expect(h1(page)).to_contain_text("Stap 3: rapport")
    summary = page.get_by_role("table", name="Je oordelen")
    expect(row_of(summary, COMMUNICATING[1])).to_contain_text(MOTIVATION["communicating"])
    expect(row_of(summary, COOPERATING[1])).to_contain_text("Nog niet aangetoond")
    assert_accessible(page)  # the report-writing page
    page.get_by_label("Samenvatting").fill(SUMMARY)
    page.get_by_role("button", name="Rapport definitief maken").click()
    expect(status(page)).to_contain_text("Het rapport is definitief.")
    expect(h1(page)).to_contain_text("Beoordelingsrapport")
    log_out(page)


def noor_reads_the_report(page) -> None:
    open_trajectory_as_noor(page)
    assessment = page.get_by_role("region", name="Beoordeling", exact=True)
    expect(assessment).to_contain_text("Het beoordelingsrapport is klaar.")
    assessment.get_by_role("link", name="Naar het beoordelingsrapport").click()
    expect(h1(page)).to_contain_text("Beoordelingsrapport")
    expect(h1(page)).to_contain_text(NOOR)
    expect(page.get_by_role("main")).to_contain_text("1 van 2 competenties aangetoond")
    expect(page.get_by_role("region", name="Samenvatting")).to_contain_text(SUMMARY)

    table = page.get_by_role("table", name="Per competentie")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Competentie", "Zelfbeoordeling", "Oordeel beoordelaar", "Motivatie", "Ontwikkeladvies"]
    )
    for (competency_id, name, _rating, label), verdict in zip(
        COMPETENCIES, ("Aangetoond", "Nog niet aangetoond"), strict=True
    ):
        cells = row_of(table, name).get_by_role("cell")
        expect(cells.nth(0)).to_have_text(label)  # her self-rating
        expect(cells.nth(1)).to_have_text(verdict)  # next to Bea's verdict
        expect(cells.nth(2)).to_have_text(MOTIVATION[competency_id])
    expect(row_of(table, COOPERATING[1]).get_by_role("cell").nth(3)).to_have_text(ADVICE)

    chart = page.get_by_role("img", name=re.compile("^Zelfbeoordeling en oordeel per competentie"))
    expect(chart).to_be_visible()
    expect(chart).to_have_accessible_name(
        re.compile(
            r"Communiceren: zelf Goed; beoordelaar Aangetoond\. "
            r"Samenwerken: zelf Heel goed; beoordelaar Nog niet aangetoond\."
        )
    )
    assert_accessible(page)  # the final report page


def test_an_assessor_sends_a_portfolio_back_then_judges_it(page, noors_portfolio):
    coordinator_assigns_bea(page)
    bea_declares_and_sends_it_back(page)
    noor_adds_evidence_and_submits_again(page)
    bea_judges_and_finalises(page)
    noor_reads_the_report(page)
    expect(page).to_have_url(re.compile(rf"/trajecten/{noors_portfolio}/beoordeling$"))
