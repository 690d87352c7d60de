"""A coordinator sets up an authenticator app at the first login after it became required (here:
after the operator removed the old one), logs in with password and code, and uses a recovery
code once. Each page passes axe and fits a phone 360 pixels wide."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from evc.accounts.models import UserSession
from evc.db import utcnow
from evc.extensions import db
from tests.authenticator import AUTHENTICATOR
from tests.browser.conftest import (
    CODE_STEP,
    DASHBOARD,
    DEMO_PASSWORD,
    LOGIN,
    axe_violations,
    enter_code,
    log_in,
)

pytestmark = pytest.mark.browser

COORDINATOR = "coordinator@example.org"
ENROLMENT = re.compile(r"/login/code-instellen(#.*)?$")
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="nl-NL", viewport=PHONE)
    context.set_default_timeout(5_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def assert_fits_and_is_accessible(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]


def password_step(page) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(COORDINATOR)
    page.get_by_label("Wachtwoord", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Inloggen").click()


def log_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(LOGIN)


def set_up_the_app(page) -> tuple[list[str], str]:
    """Type the key (as someone who cannot scan) into the app and its first code into the page;
    returns the recovery codes the page shows once, and the key."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggen met een code instellen")
    expect(page.get_by_role("img", name=re.compile("QR-code"))).to_be_visible()
    assert_fits_and_is_accessible(page)
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    page.get_by_label("Code uit je app").fill(AUTHENTICATOR.code(COORDINATOR, secret))
    page.get_by_role("button", name="Code controleren en aanzetten").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je herstelcodes")
    assert_fits_and_is_accessible(page)
    codes = page.locator("[data-recovery-code]").all_inner_texts()
    page.get_by_role("link", name="Ik heb de codes bewaard").click()
    page.wait_for_url(DASHBOARD)
    return codes, secret


def test_coordinator_sets_up_the_app_then_logs_in_with_a_code_and_a_recovery_code(phone, live_app):
    page = phone
    removed = live_app.test_cli_runner().invoke(args=["evc", "reset-second-factor", COORDINATOR])
    assert removed.exit_code == 0, removed.output

    # The first login asks for an app before anything else.
    password_step(page)
    page.wait_for_url(ENROLMENT)
    assert page.goto("/overzicht").url.split("?")[0].endswith("/login")
    password_step(page)
    page.wait_for_url(ENROLMENT)
    codes, secret = set_up_the_app(page)
    assert len(codes) == 10
    expect(page.get_by_role("heading", level=1)).to_have_text("Welkom, Carla Coördinator")
    log_out(page)

    # Password and the app's code.
    password_step(page)
    page.wait_for_url(CODE_STEP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Vul je code in")
    assert_fits_and_is_accessible(page)
    enter_code(page, AUTHENTICATOR.code(COORDINATOR, secret))
    page.wait_for_url(DASHBOARD)
    log_out(page)

    # Password and a recovery code: it works once.
    password_step(page)
    page.wait_for_url(CODE_STEP)
    enter_code(page, codes[0])
    page.wait_for_url(DASHBOARD)
    log_out(page)
    password_step(page)
    page.wait_for_url(CODE_STEP)
    enter_code(page, codes[0])
    expect(page.get_by_role("alert")).to_contain_text("Deze code klopt niet")
    expect(page).to_have_url(CODE_STEP)
    assert_fits_and_is_accessible(page)


def test_after_ten_minutes_the_account_page_first_asks_to_confirm(phone, live_app):
    page = phone
    log_in(page, COORDINATOR)
    with live_app.app_context():  # the login was a quarter of an hour ago
        moment = utcnow() - timedelta(minutes=15)
        db.session.execute(update(UserSession).values(authenticated_at=moment))
        db.session.commit()
        db.session.remove()
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bevestig dat jij het bent")
    assert_fits_and_is_accessible(page)
    page.get_by_label("Code uit je app").fill(AUTHENTICATOR.code(COORDINATOR))
    page.get_by_role("button", name="Bevestigen met code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn account")
    expect(page.get_by_role("region", name="Inloggen met een code")).to_contain_text("Aan")
    assert_fits_and_is_accessible(page)
