"""axe-core finds no WCAG 2.1 A/AA violations on the pages people use, in Dutch and English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser

DE_BRUG = re.compile("Vrijwilligerscentrum De Brug")


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]


def open_from_dashboard(page, link_name: str) -> None:
    page.get_by_role("row", name=DE_BRUG).get_by_role(
        "link", name=re.compile(f"^{link_name}")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vrijwilligerscentrum De Brug")


def test_login_page(page):
    page.goto("/login")
    assert_accessible(page)


def test_login_page_with_error_summary(page):
    page.goto("/login")
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("Er is iets niet goed ingevuld")
    expect(page.get_by_label("E-mailadres")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)


def test_login_page_after_a_wrong_password(page):
    page.goto("/login")
    page.get_by_label("E-mailadres").fill("vrijwilliger@example.org")
    page.get_by_label("Wachtwoord", exact=True).fill("not the right password")
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("alert")).to_contain_text("klopt niet")
    assert_accessible(page)


def test_login_page_in_english(page):
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    assert_accessible(page)


def test_forgot_password_page(page):
    page.goto("/wachtwoord-vergeten")
    assert_accessible(page)
    page.get_by_role("button", name="Stuur mij een link").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize(
    "email",
    [
        "coordinator@example.org",
        "begeleider@example.org",
        "beoordelaar@example.org",
        "vrijwilliger@example.org",
        "deelnemer@example.org",
    ],
    ids=["coordinator", "supervisor", "assessor", "volunteer", "client"],
)
def test_dashboard_of_each_role(page, email):
    log_in(page, email)
    assert_accessible(page)


def test_dashboard_in_english(page):
    log_in(page, "coordinator@example.org")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Carla Coördinator")
    assert_accessible(page)


def test_competencies_pages(page):
    log_in(page, "coordinator@example.org")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Competenties"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("De twaalf competenties")
    assert_accessible(page)
    page.get_by_role("link", name="Incasseren").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("10. Incasseren")
    assert_accessible(page)


def invite_noor(page) -> None:
    invite = page.get_by_role("region", name="Iemand uitnodigen")
    invite.get_by_label("Naam", exact=True).fill("Noor Nieuw")
    invite.get_by_label("E-mailadres", exact=True).fill("noor@example.org")
    invite.get_by_role("button", name="Uitnodigen").click()
    expect(page.get_by_role("status")).to_contain_text("We hebben een uitnodiging gestuurd")


def test_members_page_also_with_invite_errors(page):
    log_in(page, "coordinator@example.org")
    open_from_dashboard(page, "Mensen en rollen")
    assert_accessible(page)
    page.get_by_role("region", name="Iemand uitnodigen").get_by_role(
        "button", name="Uitnodigen"
    ).click()
    expect(page.get_by_role("alert")).to_contain_text("Er is iets niet goed ingevuld")
    assert_accessible(page)


def test_members_page_after_an_invitation_and_the_outbox_holding_it(page):
    log_in(page, "coordinator@example.org")
    open_from_dashboard(page, "Mensen en rollen")
    invite_noor(page)
    assert_accessible(page)  # with the success message and an "Uitgenodigd" badge
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Verstuurde e-mail"
    ).click()
    expect(page.get_by_text("…/uitnodiging/••••••")).to_have_count(1)
    expect(page.locator("a[href*='/uitnodiging/']")).to_have_count(0)
    assert_accessible(page)


def test_audit_log_page(page):
    log_in(page, "coordinator@example.org")
    open_from_dashboard(page, "Logboek")
    expect(page.get_by_role("table")).to_contain_text("Uren goedgekeurd")
    assert_accessible(page)


def test_empty_outbox(page):
    log_in(page, "coordinator@example.org")
    page.goto("/postvak-uit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Verstuurde e-mail")
    assert_accessible(page)


def test_account_page_also_with_errors(page):
    log_in(page, "vrijwilliger@example.org")
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Mijn account"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("button", name="Wachtwoord wijzigen").click()
    expect(page.get_by_role("alert")).to_be_visible()
    assert_accessible(page)


def test_invitation_page_and_the_page_for_a_used_link(page, mailbox):
    log_in(page, "coordinator@example.org")
    open_from_dashboard(page, "Mensen en rollen")
    invite_noor(page)
    link = mailbox("noor@example.org", "/uitnodiging/")
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Je bent nog ingelogd")
    assert_accessible(page)
    page.get_by_role("button", name="Uitloggen en doorgaan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom bij evc, Noor Nieuw")
    assert_accessible(page)
    page.goto(link + "-niet-meer-geldig")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet meer")
    assert_accessible(page)


def test_the_axe_check_itself_finds_a_violation(page):
    """Guard against a silently vacuous check: a field without a label must be reported."""
    page.goto("/login")
    page.evaluate("""() => {
        const input = document.createElement('input');
        input.type = 'text';
        document.querySelector('main').append(input);
    }""")
    violations = axe_violations(page)
    assert [v["id"] for v in violations] == ["label"]
    passed = page.evaluate("async () => (await axe.run(document)).passes.length")
    assert passed > 10
