"""Whole journeys in a real browser: invitation, each role's dashboard, language, keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.authenticator import AUTHENTICATOR
from tests.browser.conftest import (
    CODE_STEP,
    DASHBOARD,
    DEMO_PASSWORD,
    LOGIN,
    after_password,
    log_in,
)
from tests.browser.test_accessibility import assert_accessible, open_from_dashboard

pytestmark = pytest.mark.browser

NEW_EMAIL = "nieuw.persoon@example.org"
NEW_NAME = "Noor Nieuw"
NEW_PASSWORD = "een lange zin als wachtwoord"

SECTIONS = {
    "coordinator": "Organisaties die je coördineert",
    "supervisor": "Vrijwilligers die je begeleidt",
    "assessor": "Portfolio's om te beoordelen",
    "volunteer": "Jouw EVC-A-traject",
    "client": "Jouw participatie",
}


def section_heading(page, title: str):
    return page.get_by_role("heading", level=2, name=title, exact=True)


def test_invitation_from_coordinator_to_volunteer_logging_in(page, mailbox):
    # The coordinator invites a new volunteer.
    log_in(page, "coordinator@example.org")
    page.get_by_role("row", name=re.compile("Vrijwilligerscentrum De Brug")).get_by_role(
        "link", name=re.compile("^Mensen en rollen")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Vrijwilligerscentrum De Brug")
    invite = page.get_by_role("region", name="Iemand uitnodigen")
    invite.get_by_label("Naam", exact=True).fill(NEW_NAME)
    invite.get_by_label("E-mailadres", exact=True).fill(NEW_EMAIL)
    invite.get_by_label("Rol", exact=True).select_option(label="Vrijwilliger")
    invite.get_by_role("button", name="Uitnodigen").click()
    expect(page.get_by_role("status")).to_have_text(
        f"We hebben een uitnodiging gestuurd naar {NEW_EMAIL}."
    )
    expect(page.locator(f'tr[data-member="{NEW_EMAIL}"]')).to_contain_text("Uitgenodigd")

    # Without a mail server the coordinator sees the mail in the outbox, its link masked.
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Verstuurde e-mail"
    ).click()
    mail = page.get_by_role("listitem").filter(has_text=f"Aan: {NEW_EMAIL}")
    expect(mail).to_have_count(1)
    expect(mail).to_contain_text(f"Hallo {NEW_NAME},")
    expect(mail).to_contain_text("…/uitnodiging/••••••")
    expect(mail.locator("a[href*='/uitnodiging/']")).to_have_count(0)

    # The new person opens the link from their own mailbox.
    invitation_url = mailbox(NEW_EMAIL, "/uitnodiging/")
    page.goto(invitation_url)

    # Opening the link logs nobody out: the coordinator is asked to, by a button.
    expect(page.get_by_role("heading", level=1)).to_have_text("Je bent nog ingelogd")
    assert "/uitnodiging/" not in page.url  # the token left the address at once
    page.get_by_role("button", name="Uitloggen en doorgaan").click()

    # The new person chooses a password and is logged in.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welkom bij evc, {NEW_NAME}")
    page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Wachtwoord opslaan en inloggen").click()
    page.wait_for_url(DASHBOARD)
    expect(page.get_by_role("status")).to_contain_text("Je wachtwoord is ingesteld")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welkom, {NEW_NAME}")
    expect(section_heading(page, SECTIONS["volunteer"])).to_be_visible()
    expect(section_heading(page, SECTIONS["coordinator"])).to_have_count(0)

    # Log out, and back in with the new password.
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(LOGIN)
    expect(page.get_by_role("status")).to_have_text("Je bent uitgelogd.")
    page.get_by_label("E-mailadres").fill(NEW_EMAIL)
    page.get_by_label("Wachtwoord", exact=True).fill(NEW_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    page.wait_for_url(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welkom, {NEW_NAME}")

    # The invitation link worked once.
    response = page.goto(invitation_url)
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("Deze link werkt niet meer")


@pytest.mark.parametrize(
    "email, role",
    [
        ("coordinator@example.org", "coordinator"),
        ("begeleider@example.org", "supervisor"),
        ("beoordelaar@example.org", "assessor"),
        ("vrijwilliger@example.org", "volunteer"),
        ("deelnemer@example.org", "client"),
    ],
    ids=["coordinator", "supervisor", "assessor", "volunteer", "client"],
)
def test_each_demo_role_sees_its_own_dashboard_section(page, email, role):
    log_in(page, email)
    expect(section_heading(page, SECTIONS[role])).to_be_visible()
    for other, title in SECTIONS.items():
        if other != role:
            expect(section_heading(page, title)).to_have_count(0)
    # Only the coordinator reads the outbox.
    outbox = page.get_by_role("navigation", name="Hoofdmenu").get_by_role(
        "link", name="Verstuurde e-mail"
    )
    expect(outbox).to_have_count(1 if role == "coordinator" else 0)


def choose_english_on_the_login_page(page):
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    page.get_by_label("E-mail address").fill("coordinator@example.org")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(CODE_STEP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    page.get_by_label("Code", exact=True).fill(AUTHENTICATOR.code("coordinator@example.org"))
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    page.wait_for_url(DASHBOARD)


def test_english_on_the_login_page_translates_the_login_form(page):
    choose_english_on_the_login_page(page)
    expect(page.locator("section[data-role=coordinator]")).to_be_visible()


def test_english_chosen_on_the_login_page_stays_after_login(page):
    choose_english_on_the_login_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Welcome, Carla Coördinator", timeout=1_000
    )
    expect(section_heading(page, "Organisations you coordinate")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_english_chosen_after_login_is_kept_with_the_account(page):
    log_in(page, "vrijwilliger@example.org")
    expect(section_heading(page, SECTIONS["volunteer"])).to_be_visible()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Vera Vrijwilliger")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(LOGIN)
    # A fresh login (the session is cleared on logout) is in English from the account's setting.
    page.context.clear_cookies()
    log_in(page, "vrijwilliger@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Vera Vrijwilliger")


def focused(page) -> dict:
    return page.evaluate(
        "() => ({tag: document.activeElement.tagName.toLowerCase(),"
        " id: document.activeElement.id, text: document.activeElement.textContent.trim()})"
    )


def test_login_page_works_with_the_keyboard_only(page):
    page.goto("/login")
    page.keyboard.press("Tab")
    assert focused(page) == {"tag": "a", "id": "", "text": "Ga direct naar de inhoud"}
    expect(page.get_by_role("link", name="Ga direct naar de inhoud")).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    page.keyboard.press("Tab")
    assert focused(page)["id"] == "email"
    page.keyboard.type("vrijwilliger@example.org")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(DASHBOARD)
    expect(section_heading(page, SECTIONS["volunteer"])).to_be_visible()


def test_error_summary_takes_keyboard_users_to_the_field(page):
    page.goto("/login")
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Er is iets niet goed ingevuld")
    summary.get_by_role("link", name="Vul je e-mailadres in.").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("E-mailadres")).to_be_focused()


def test_an_existing_account_joins_another_organisation_only_by_accepting(page, mailbox):
    # De Brug's coordinator invites the assessor of another organisation as a supervisor.
    log_in(page, "coordinator@example.org")
    open_from_dashboard(page, "Mensen en rollen")
    invite = page.get_by_role("region", name="Iemand uitnodigen")
    invite.get_by_label("Naam", exact=True).fill("Bea")
    invite.get_by_label("E-mailadres", exact=True).fill("beoordelaar@example.org")
    invite.get_by_label("Rol", exact=True).select_option(label="Begeleider")
    invite.get_by_role("button", name="Uitnodigen").click()
    expect(page.get_by_role("status")).to_have_text(
        "We hebben een uitnodiging gestuurd naar beoordelaar@example.org."
    )
    expect(page.get_by_role("main")).not_to_contain_text("Bea Beoordelaar")

    # The link in her mail logs no one in: it asks her to log in with her own account.
    page.get_by_role("button", name="Uitloggen").click()
    page.goto(mailbox("beoordelaar@example.org", "/uitnodiging/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Uitnodiging van Vrijwilligerscentrum De Brug"
    )
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Inloggen").click()
    page.locator("input[name=email]").fill("beoordelaar@example.org")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    after_password(page, "beoordelaar@example.org")  # an assessor logs in with a code as well

    # On her dashboard she accepts, and then works as a supervisor there too.
    offer = page.get_by_role("region", name="Uitnodiging van Vrijwilligerscentrum De Brug")
    expect(offer).to_contain_text("Begeleider")
    assert_accessible(page)
    offer.get_by_role("button", name="Aannemen").click()
    expect(page.get_by_role("status")).to_have_text(
        "Je hoort nu ook bij Vrijwilligerscentrum De Brug."
    )
    expect(section_heading(page, SECTIONS["supervisor"])).to_be_visible()
    expect(section_heading(page, SECTIONS["assessor"])).to_be_visible()
