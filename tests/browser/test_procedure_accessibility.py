"""axe-core finds no WCAG 2.1 A/AA violations on the screens of the EVC-A procedure.

The demo trajectories give each screen something to show: Ilse (intake not held), Ahmed (intake
waiting for his confirmation) and Vera (recognition, competencies chosen, one draft). Each test
first checks that it is on the intended screen (not on a refusal), then runs axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from evc.accounts.models import Organisation, Role, User
from evc.demo import VOLUNTEER_ORG
from evc.extensions import db
from evc.procedure.models import Trajectory
from tests import factories
from tests.browser.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@example.org"
SUPERVISOR = "begeleider@example.org"
VERA = "vrijwilliger@example.org"
ILSE = "ilse@example.org"
AHMED = "ahmed@example.org"


@pytest.fixture
def ids(make_app, live_server):
    """Ids of the demo organisation and trajectories, looked up on the live server's database."""
    app = make_app()
    with app.app_context():
        organisation = db.session.scalar(
            select(Organisation.id).where(Organisation.name == VOLUNTEER_ORG)
        )
        found = {"organisation": organisation}
        for email in (VERA, ILSE, AHMED):
            found[email] = db.session.scalar(
                select(Trajectory.id)
                .join(User, User.id == Trajectory.volunteer_id)
                .where(User.email == email)
            )
        assert all(found.values()), found
        yield found
        db.session.remove()


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]


def h1(page):
    return page.get_by_role("heading", level=1)


def error_summary(page):
    return page.get_by_role("alert").filter(has_text="Er is iets niet goed ingevuld")


# --- coordinator -----------------------------------------------------------------------------


def test_trajectory_list_of_the_organisation(page, ids):
    log_in(page, COORDINATOR)
    page.goto(f"/organisaties/{ids['organisation']}/trajecten")
    expect(h1(page)).to_contain_text("Trajecten")
    expect(page.locator("tr[data-trajectory]")).to_have_count(5)  # Ilse, Ahmed, Vera, Femke, Samira
    expect(page.get_by_text("stil", exact=True)).to_have_count(1)  # Ilse's stalled trajectory
    assert_accessible(page)


def test_trajectory_list_filtered_to_nothing(page, ids):
    log_in(page, COORDINATOR)
    page.goto(f"/organisaties/{ids['organisation']}/trajecten")
    page.get_by_label("Fase").select_option(label="Afgerond")
    page.get_by_role("button", name="Filteren").click()
    expect(page.get_by_text("0 trajecten gevonden")).to_be_visible()
    assert_accessible(page)


def test_start_page_when_every_volunteer_has_a_trajectory(page, ids):
    log_in(page, COORDINATOR)
    page.goto(f"/organisaties/{ids['organisation']}/trajecten/nieuw")
    expect(h1(page)).to_contain_text("Nieuw traject starten")
    expect(page.get_by_text("Er is geen vrijwilliger zonder lopend traject.")).to_be_visible()
    assert_accessible(page)


def test_start_page_with_its_form_also_with_errors(page, ids, make_app):
    app = make_app()
    with app.app_context():
        organisation = db.session.get(Organisation, ids["organisation"])
        factories.user((organisation, Role.VOLUNTEER), name="Sanne de Vries")
        db.session.remove()
    log_in(page, COORDINATOR)
    page.goto(f"/organisaties/{ids['organisation']}/trajecten/nieuw")
    expect(page.get_by_label("Vrijwilliger", exact=True)).to_contain_text("Sanne de Vries")
    assert_accessible(page)
    page.get_by_role("button", name="Traject starten").click()
    expect(error_summary(page)).to_be_visible()
    expect(page.get_by_label("Vrijwilliger", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


# --- supervisor ------------------------------------------------------------------------------


def test_supervised_list(page, ids):
    log_in(page, SUPERVISOR)
    page.get_by_role("link", name="Naar je vrijwilligers").click()
    expect(h1(page)).to_have_text("Vrijwilligers die je begeleidt")
    # Ilse, Ahmed, Vera, Femke and Samira
    expect(page.locator("tr[data-trajectory]")).to_have_count(5)
    assert_accessible(page)


def test_trajectory_page_as_the_supervisor(page, ids):
    log_in(page, SUPERVISOR)
    page.goto(f"/trajecten/{ids[VERA]}")
    expect(h1(page)).to_contain_text("EVC-A-traject van Vera Vrijwilliger")
    expect(page.locator(".private-notes").first).to_be_visible()
    assert_accessible(page)


def test_trajectory_page_before_the_intake_as_the_supervisor(page, ids):
    log_in(page, SUPERVISOR)
    page.goto(f"/trajecten/{ids[ILSE]}")
    expect(page.get_by_role("link", name="Begingesprek vastleggen")).to_be_visible()
    assert_accessible(page)


def test_intake_form_also_with_errors(page, ids):
    log_in(page, SUPERVISOR)
    page.goto(f"/trajecten/{ids[ILSE]}/begingesprek")
    expect(h1(page)).to_contain_text("Begingesprek")
    expect(page.get_by_label("Datum van het gesprek")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Begingesprek opslaan").click()
    expect(error_summary(page)).to_be_visible()
    expect(page.get_by_label("Datum van het gesprek")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("fieldset#goal_kind")).to_have_attribute(
        "aria-describedby", "goal_kind-error"
    )
    assert_accessible(page)


def test_guidance_session_form_also_with_errors(page, ids):
    log_in(page, SUPERVISOR)
    page.goto(f"/trajecten/{ids[VERA]}/gesprekken/nieuw")
    expect(h1(page)).to_contain_text("Gesprek vastleggen")
    assert_accessible(page)
    page.get_by_role("button", name="Gesprek opslaan").click()
    expect(error_summary(page)).to_be_visible()
    assert_accessible(page)


def test_group_meeting_form_also_with_errors(page, ids):
    log_in(page, SUPERVISOR)
    page.goto("/begeleiding")
    page.get_by_role("link", name="Groepsbijeenkomst vastleggen").click()
    expect(h1(page)).to_contain_text("Groepsbijeenkomst vastleggen")
    expect(page.get_by_role("checkbox")).to_have_count(3)
    assert_accessible(page)
    page.get_by_role("button", name="Bijeenkomst opslaan").click()
    expect(error_summary(page)).to_be_visible()
    assert_accessible(page)


def test_withdraw_page_also_with_errors(page, ids):
    log_in(page, SUPERVISOR)
    page.goto(f"/trajecten/{ids[VERA]}")
    page.get_by_role("link", name="Traject stoppen").click()
    expect(h1(page)).to_contain_text("Traject stoppen")
    assert_accessible(page)
    page.get_by_role("button", name="Traject stoppen").click()
    expect(error_summary(page)).to_be_visible()
    expect(page.get_by_label("Waarom stopt het traject?")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


# --- volunteer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email, current",
    [(VERA, "Herkennen"), (ILSE, "Begingesprek"), (AHMED, "Begingesprek")],
    ids=["recognition", "before-intake", "intake-to-confirm"],
)
def test_volunteer_dashboard_with_the_steps(page, ids, email, current):
    log_in(page, email)
    steps = page.get_by_role("list", name="Stappen van het traject")
    expect(steps.locator("[aria-current=step]")).to_contain_text(current)
    assert_accessible(page)


def test_trajectory_page_as_the_volunteer(page, ids):
    log_in(page, VERA)
    page.get_by_role("link", name="Naar je traject").click()
    expect(h1(page)).to_contain_text("Jouw EVC-A-traject")
    expect(page.get_by_role("region", name="Inleveren voor de beoordeling")).to_be_visible()
    assert_accessible(page)


def test_trajectory_page_in_english(page, ids):
    log_in(page, VERA)
    page.get_by_role("button", name="English").click()
    page.goto(f"/trajecten/{ids[VERA]}")
    expect(h1(page)).to_contain_text("EVC-A")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page)


def test_confirm_view_of_the_intake(page, ids):
    log_in(page, AHMED)
    page.goto(f"/trajecten/{ids[AHMED]}")
    expect(page.get_by_role("button", name="Ik bevestig de afspraken")).to_be_visible()
    assert_accessible(page)


def test_competency_choice_also_with_errors(page, ids):
    log_in(page, VERA)
    page.goto(f"/trajecten/{ids[VERA]}/competenties")
    expect(h1(page)).to_have_text("Competenties kiezen")
    expect(page.get_by_role("checkbox")).to_have_count(12)
    expect(page.get_by_role("checkbox", checked=True)).to_have_count(3)
    assert_accessible(page)
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_role("button", name="Keuze opslaan").click()
    expect(error_summary(page)).to_be_visible()
    assert_accessible(page)


def test_self_assessment_page_also_with_errors(page, ids):
    log_in(page, VERA)
    page.goto(f"/trajecten/{ids[VERA]}")
    page.get_by_role("link", name="Betrouwbaarheid tonen").click()  # Vera's draft
    expect(h1(page)).to_contain_text("Betrouwbaarheid tonen")
    expect(page.get_by_role("radio", name=re.compile("^Een beetje:"))).to_be_checked()
    assert_accessible(page)
    # Too long a text cannot be typed (maxlength), but may still arrive: set it from script.
    page.get_by_label("Resultaat", exact=True).evaluate(
        "(field) => { field.removeAttribute('maxlength'); field.value = 'x'.repeat(4001); }"
    )
    page.get_by_role("button", name="Opslaan", exact=True).click()
    expect(error_summary(page)).to_be_visible()
    expect(page.get_by_label("Resultaat", exact=True)).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_submit_page_with_what_is_missing(page, ids):
    log_in(page, VERA)
    page.goto(f"/trajecten/{ids[VERA]}/indienen")
    expect(h1(page)).to_have_text("Inleveren voor de beoordeling")
    expect(page.get_by_role("alert")).to_contain_text("Dit moet nog gebeuren")
    assert_accessible(page)
