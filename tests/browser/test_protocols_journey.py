"""Care-task clearance in a real browser, with a clock the test moves.

Bram (demo supervisor, also instructor in De Brug) opens a clearance for Vera for "Begeleiden
bij een uitje". Vera reads the protocol and acknowledges every knowledge item. Bram records the
instruction, observes every skill, confirms the resources and grants the clearance. The check
page says yes; after the clock moves past the expiry date it says no. axe-core finds no
WCAG 2.1 AA violations on any page of the journey, nor on the coordinator's pages.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from evc.demo import VOLUNTEER_ORG
from evc.protocols.status import add_months
from tests.browser.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser

VERA = "vrijwilliger@example.org"
BRAM = "begeleider@example.org"
COORDINATOR = "coordinator@example.org"
TASK = "Begeleiden bij een uitje"


class Clock:
    """Today as the app sees it; the test moves it."""

    def __init__(self):
        self.today = date.today()

    def __call__(self) -> date:
        return self.today


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_app(make_app, clock):
    """Every app of this module (also the live server's) reads today from ``clock``."""

    def factory(**overrides):
        return make_app(TODAY=clock, **overrides)

    return factory


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]


def h1(page):
    return page.get_by_role("heading", level=1)


def open_organisation_page(page, link_name: str) -> None:
    page.goto("/bevoegdheden")
    section = page.get_by_role("region", name=VOLUNTEER_ORG)
    section.get_by_role("link", name=link_name, exact=True).click()


def test_acknowledge_instruct_grant_check_and_expire(page, clock):
    # Bram opens the clearance from the overview
    log_in(page, BRAM)
    page.get_by_role("link", name="Bevoegdheden", exact=True).click()
    assert_accessible(page)
    open_organisation_page(page, "Overzicht vrijwilligers en taken")
    expect(page.locator("[data-matrix]")).to_contain_text("Vera Vrijwilliger")
    for state in ("cleared", "expires_soon", "expired"):  # the demo's three clearances
        expect(page.locator(f'[data-matrix] [data-state="{state}"]').first).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Nieuwe bevoegdverklaring").click()
    page.get_by_label("Vrijwilliger", exact=True).select_option(label="Vera Vrijwilliger")
    page.get_by_label("Taak", exact=True).select_option(label=TASK)
    assert_accessible(page)
    page.get_by_role("button", name="Aanmaken").click()
    expect(h1(page)).to_contain_text(TASK)
    clearance_url = page.url
    assert_accessible(page)
    page.context.clear_cookies()

    # Vera reads the protocol and confirms every knowledge item
    log_in(page, VERA)
    page.get_by_role("link", name="Bevoegdheden", exact=True).click()
    page.get_by_role("link", name=TASK).click()
    page.get_by_role("link", name="Lezen en bevestigen").click()
    assert_accessible(page)
    page.get_by_role("button", name="Ik bevestig dit").click()  # nothing ticked yet
    expect(page.locator(".error-summary")).to_contain_text("Bevestig elk punt")
    assert_accessible(page)
    boxes = page.locator("input[name=items]")
    for index in range(boxes.count()):
        boxes.nth(index).check()
    page.get_by_role("button", name="Ik bevestig dit").click()
    expect(page.get_by_role("status")).to_contain_text("Je hebt de kennis bevestigd")
    page.context.clear_cookies()

    # Bram records the instruction and the skills, then grants
    log_in(page, BRAM)
    page.goto(clearance_url)
    page.get_by_role("link", name="Instructie en vaardigheden vastleggen").click()
    assert_accessible(page)
    results = page.locator("input[type=radio][value=yes]")
    for index in range(results.count()):
        results.nth(index).check()
    checkboxes = page.locator("input[type=checkbox][name^=resource_]")
    for index in range(checkboxes.count()):
        checkboxes.nth(index).check()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("zijn opgeslagen")
    page.get_by_role("link", name="Bevoegd verklaren", exact=True).click()
    assert_accessible(page)
    valid_until = add_months(clock.today, 36)
    expect(page.get_by_label("Verloopt op")).to_have_value(valid_until.isoformat())
    page.get_by_label("Verloopt op").fill((clock.today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Bevoegd verklaren").click()
    expect(page.locator(".error-summary")).to_contain_text("Kies een datum na vandaag.")
    assert_accessible(page)
    page.get_by_label("Verloopt op").fill(valid_until.isoformat())
    page.get_by_role("button", name="Bevoegd verklaren").click()
    expect(page.get_by_role("status")).to_contain_text("is bevoegd verklaard")
    expect(page.locator('[data-state="cleared"]')).to_be_visible()
    assert_accessible(page)

    # The check says yes today
    open_organisation_page(page, "Controleren")
    page.get_by_label("Vrijwilliger", exact=True).select_option(label="Vera Vrijwilliger")
    page.get_by_label("Taak", exact=True).select_option(label=TASK)
    page.get_by_role("button", name="Controleren").click()
    expect(page.locator("[data-answer]")).to_have_attribute("data-answer", "yes")
    assert_accessible(page)
    check_url = page.url

    # The clock moves past the expiry date: the same question now says no
    clock.today = valid_until
    page.goto(check_url)
    page.get_by_label("Datum").fill(valid_until.isoformat())
    page.get_by_role("button", name="Controleren").click()
    expect(page.locator("[data-answer]")).to_have_attribute("data-answer", "no")
    expect(page.locator("[data-missing]")).to_contain_text("verlopen")
    page.goto(clearance_url)
    expect(page.locator('[data-state="expired"]')).to_be_visible()


@pytest.mark.parametrize(
    "link",
    ["Protocollen", "VOG", "Instructeurs", "Koppeling met roosterprogramma"],
)
def test_coordinator_pages_are_accessible(page, link):
    log_in(page, COORDINATOR)
    open_organisation_page(page, link)
    expect(h1(page)).to_be_visible()
    assert_accessible(page)
    if link == "Protocollen":
        page.get_by_role("link", name="Ondersteunen bij eten en drinken").click()
        assert_accessible(page)
        page.get_by_role("link", name="Nieuwe versie maken").click()
        assert_accessible(page)
    if link == "VOG":
        page.get_by_role("link", name="Bijwerken Vera Vrijwilliger").click()
        assert_accessible(page)
    if link == "Koppeling met roosterprogramma":
        page.get_by_label("Naam van de sleutel").fill("Rooster")
        page.get_by_role("button", name="Sleutel maken").click()
        expect(page.locator("[data-token]")).to_contain_text("evc_")
        assert_accessible(page)
