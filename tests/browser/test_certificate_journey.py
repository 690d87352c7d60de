"""The close of EVC-A in a real browser: final interview, plan, certificate, check, revocation.

Samira (demo) has a final assessment report. Her supervisor records the final interview and
writes the development plan (prefilled with the assessor's advice), and confirms it; Samira
confirms it too. The supervisor issues the certificate and downloads the PDF. The QR code in
the PDF leads to the public verification page, which shows it as valid. The coordinator revokes
it; the same page then shows it as revoked. Every screen on the way passes axe-core.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LOGIN, axe_violations, log_in
from tests.certificates.pdfcheck import link_targets, qr_encodes, qr_images, text_of

pytestmark = pytest.mark.browser

SUPERVISOR = "begeleider@example.org"
COORDINATOR = "coordinator@example.org"
SAMIRA_EMAIL = "samira@example.org"
SAMIRA = "Samira Haddou"
GOAL = "Een tweede voorbeeld van problemen oplossen laten zien"


def assert_accessible(page) -> None:
    violations = axe_violations(page)
    assert not violations, [(v["id"], v["nodes"][0]["target"]) for v in violations]


def log_out(page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(LOGIN)


def open_samira(page) -> None:
    page.get_by_role("link", name="Naar je vrijwilligers").click()
    page.get_by_role("table").get_by_role("link", name=SAMIRA, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(SAMIRA)


def test_final_interview_plan_issue_verify_and_revoke(page):
    log_in(page, SUPERVISOR)
    open_samira(page)
    trajectory_url = page.url
    assert_accessible(page)

    page.get_by_role("link", name="Eindgesprek vastleggen").click()
    assert_accessible(page)
    page.get_by_label("Datum van het eindgesprek").fill(date.today().isoformat())
    page.get_by_label("Wat hebben jullie besproken?").fill("Het rapport en de volgende stap.")
    page.get_by_label("Hoe reageerde de vrijwilliger op de beoordeling?").fill("Samira is trots.")
    page.get_by_role("button", name="Eindgesprek opslaan").click()
    expect(page.locator("[data-final-interview]")).to_contain_text("Samira is trots.")

    page.get_by_role("link", name="Ontwikkelplan schrijven").click()
    first = page.locator("[data-goal]").first
    expect(first.get_by_label("Wat ga je doen?")).to_contain_text("Verzamel een tweede voorbeeld")
    assert_accessible(page)
    first.get_by_label("Doel", exact=True).fill(GOAL)
    first.get_by_label("Streefdatum").fill((date.today() + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="Ontwikkelplan opslaan").click()
    expect(page.locator("[data-plan]")).to_contain_text(GOAL)
    page.get_by_role("button", name="Ik bevestig dit ontwikkelplan").click()
    expect(page.locator("[data-supervisor-confirmed]")).not_to_have_text("nog niet")
    log_out(page)

    log_in(page, SAMIRA_EMAIL)
    page.goto(trajectory_url)
    assert_accessible(page)
    page.get_by_role("button", name="Ik bevestig dit ontwikkelplan").click()
    expect(page.locator("[data-volunteer-confirmed]")).not_to_have_text("nog niet")
    log_out(page)

    log_in(page, SUPERVISOR)
    page.goto(trajectory_url)
    page.get_by_role("button", name="Bewijs van deelname uitgeven").click()
    number = page.locator("[data-certificate-number]").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}", number)
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.locator("[data-download-pdf]").click()
    pdf = Path(download_info.value.path()).read_bytes()
    text = " ".join(text_of(pdf).split())
    assert SAMIRA in text and number in text and "Systematisch werken" in text
    verify_url = next(url for url in link_targets(pdf) if "/controleren/" in url)
    assert verify_url.endswith(f"/controleren/{number}")
    assert qr_encodes(qr_images(pdf)[0], verify_url)
    log_out(page)

    page.goto(verify_url)  # as anyone, not logged in
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "valid")
    expect(page.locator("[data-holder]")).to_have_text(SAMIRA)
    assert_accessible(page)

    log_in(page, COORDINATOR)
    page.goto(trajectory_url)
    page.get_by_role("link", name="Bewijs intrekken").click()
    assert_accessible(page)
    page.get_by_label("Waarom trek je het bewijs van deelname in?").fill(
        "Per vergissing uitgegeven."
    )
    page.get_by_role("button", name="Bewijs intrekken").click()
    expect(page.locator("[data-revoked]")).to_contain_text("Per vergissing uitgegeven.")
    log_out(page)

    page.goto(verify_url)
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "revoked")
    expect(page.get_by_role("heading", name="Dit bewijs is ingetrokken")).to_be_visible()
    assert_accessible(page)


def test_verification_page_with_errors_is_accessible(page):
    page.goto("/controleren?nummer=")
    expect(page.get_by_role("alert")).to_contain_text("Vul het nummer in.")
    assert_accessible(page)
    page.goto("/controleren?nummer=AAAA-BBBB-CCCC-DDDD")
    expect(page.locator("[data-result]")).to_have_attribute("data-result", "not-found")
    assert_accessible(page)
