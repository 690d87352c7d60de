"""The participation log in a real browser at phone size (375 px wide).

Daan (the demo client) logs three days of work. Hanna, the contact at his host organisation,
approves two and declines one with a reason. Daan reads the reason, corrects the hours and
sends them again; Hanna approves them. The coordinator then makes the report for the
municipality, downloads the PDF and checks number and file on the public check page. Every
participation screen on the way passes axe-core (WCAG 2.1 A/AA).
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from evc.demo import VOLUNTEER_ORG
from tests.browser.conftest import axe_violations, log_in

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
CLIENT = "deelnemer@example.org"
HOST = "inzet@example.org"
COORDINATOR = "coordinator@example.org"
CASE_MANAGER = "klantmanager@example.org"
DAYS = [date.today() - timedelta(days=n) for n in (3, 2, 1)]
ACTIVITIES = ["Soep koken voor de inloop", "Tafels dekken en afruimen", "Boodschappen doen"]
REASON = "Boodschappen deed Kees die dag. Bedoel je misschien de dag ervoor?"


@pytest.fixture
def phone(browser, live_server):
    """Opens a new phone-sized context per person; all are closed at the end."""
    contexts = []

    def open_as(email: str):
        context = browser.new_context(
            base_url=live_server, locale="nl-NL", viewport=PHONE, accept_downloads=True
        )
        context.set_default_timeout(8_000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, email)
        return page

    yield open_as
    for context in contexts:
        context.close()


def assert_accessible(page) -> None:
    assert axe_violations(page) == [], page.url


def fits_the_phone(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def row(page, activity: str):
    return page.locator("tr", has_text=activity)


def log_three_days(page) -> None:
    page.get_by_role("link", name="Uren schrijven").first.click()
    for day, activity in zip(DAYS, ACTIVITIES, strict=True):
        expect(page.get_by_role("heading", level=1)).to_have_text("Uren schrijven")
        assert_accessible(page)
        assert fits_the_phone(page)
        page.get_by_label("Datum").fill(day.isoformat())
        page.get_by_label("Aantal uren").fill("2,5")
        page.get_by_label("Wat heb je gedaan?").fill(activity)
        page.get_by_role("button", name="Opslaan").click()
        expect(page.locator(".alert--success")).to_contain_text("wachten nu op goedkeuring")
        if activity != ACTIVITIES[-1]:
            page.get_by_role("link", name="Uren schrijven").click()
    for activity in ACTIVITIES:
        expect(row(page, activity)).to_contain_text("wacht op goedkeuring")


def test_participation_journey_on_a_phone(phone, tmp_path):
    daan = phone(CLIENT)
    expect(daan.locator('[data-role="client"]')).to_contain_text("Buurthuis De Schakel")
    assert_accessible(daan)
    daan.locator('[data-role="client"]').get_by_role("link", name="Naar je overzicht").click()
    expect(daan.get_by_role("heading", level=1)).to_have_text("Jouw participatie")
    assert_accessible(daan)
    log_three_days(daan)

    # Hanna approves the first two days and declines the third with a reason.
    hanna = phone(HOST)
    hanna.locator('[data-role="host"]').get_by_role("link", name="Naar de uren").click()
    assert_accessible(hanna)
    page_text = hanna.locator("main").inner_text()
    assert "KM-2026-0142" not in page_text and "Utrecht" not in page_text
    for activity in ACTIVITIES[:2]:
        row(hanna, activity).get_by_role("button", name=re.compile("^Goedkeuren")).click()
        expect(hanna.locator(".alert--success")).to_contain_text("goedgekeurd")
    row(hanna, ACTIVITIES[2]).get_by_role("link", name=re.compile("^Afwijzen")).click()
    assert_accessible(hanna)
    hanna.get_by_role("button", name="Afwijzen").click()  # without a reason first
    expect(hanna.locator(".error-summary")).to_contain_text("waarom")
    assert_accessible(hanna)
    hanna.get_by_label("Waarom keur je deze uren af?").fill(REASON)
    hanna.get_by_role("button", name="Afwijzen").click()
    expect(hanna.locator(".alert--success")).to_contain_text("afgewezen")

    # Daan reads why, corrects the date and sends the hours again.
    daan.reload()
    expect(row(daan, ACTIVITIES[2])).to_contain_text(REASON)
    row(daan, ACTIVITIES[2]).get_by_role("link", name=re.compile("^Verbeteren")).click()
    assert_accessible(daan)
    expect(daan.locator(".alert--warning")).to_contain_text(REASON)
    corrected = DAYS[2] - timedelta(days=3)
    daan.get_by_label("Datum").fill(corrected.isoformat())
    daan.get_by_label("Aantal uren").fill("1,75")
    daan.get_by_role("button", name="Opslaan").click()
    expect(row(daan, ACTIVITIES[2])).to_contain_text("wacht op goedkeuring")
    expect(row(daan, ACTIVITIES[0])).to_contain_text("goedgekeurd")

    # Hanna approves the corrected hours.
    hanna.goto("/participatie/te-controleren")
    row(hanna, ACTIVITIES[2]).get_by_role("button", name=re.compile("^Goedkeuren")).click()
    expect(hanna.locator(".alert--success")).to_contain_text("goedgekeurd")
    expect(row(hanna, ACTIVITIES[2])).to_have_count(0)
    daan.reload()
    for activity in ACTIVITIES:
        expect(row(daan, activity)).to_contain_text("goedgekeurd")
    expect(row(daan, ACTIVITIES[2]).get_by_role("link")).to_have_count(0)  # final now

    # The coordinator makes the report, downloads it and checks it.
    carla = phone(COORDINATOR)
    carla.locator('[data-role="coordinator"] tr', has_text=VOLUNTEER_ORG).get_by_role(
        "link", name=re.compile("^Participatie")
    ).click()
    assert_accessible(carla)
    carla.get_by_role("link", name="Daan Deelnemer").click()
    expect(carla.locator('[data-private="reference"]')).to_have_text("KM-2026-0142")
    assert_accessible(carla)
    carla.get_by_role("link", name="Rapport voor de gemeente maken").click()
    assert_accessible(carla)
    month = date.today().strftime("%Y-%m")
    first_month = min(DAYS[0], corrected).strftime("%Y-%m")
    carla.get_by_label("Eerste maand").fill(first_month)
    carla.get_by_label("Laatste maand").fill(month)
    carla.get_by_role("button", name="Rapport maken").click()
    expect(carla.locator(".alert--success")).to_contain_text("rapport is gemaakt")
    assert_accessible(carla)
    number = carla.locator("[data-number]").inner_text().strip()
    with carla.expect_download() as download:
        carla.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "rapport.pdf"
    download.value.save_as(pdf_path)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert number in text and "KM-2026-0142" in text and "Daan" not in text

    carla.goto("/participatie/controle")
    assert_accessible(carla)
    carla.get_by_label("Rapportnummer").fill(number)
    carla.get_by_label("Het PDF-bestand (mag leeg blijven)").set_input_files(str(pdf_path))
    carla.get_by_role("button", name="Controleren").click()
    expect(carla.locator('[data-result="found"]')).to_be_visible()
    expect(carla.locator('[data-result="file-matches"]')).to_be_visible()
    assert_accessible(carla)


def test_new_agreement_form_and_list_are_accessible(phone):
    carla = phone(COORDINATOR)
    carla.locator('[data-role="coordinator"] tr', has_text=VOLUNTEER_ORG).get_by_role(
        "link", name=re.compile("^Participatie")
    ).click()
    carla.get_by_role("link", name="Nieuwe afspraak").click()
    assert_accessible(carla)
    carla.get_by_label("Klantnummer bij de gemeente").fill("111222333")
    carla.get_by_role("button", name="Opslaan").click()
    expect(carla.locator(".error-summary")).to_be_visible()
    assert_accessible(carla)


def test_case_manager_reads_reports_only_while_the_organisation_shares_them(phone, tmp_path):
    karim = phone(CASE_MANAGER)
    card = karim.locator('[data-role="case_manager"]')
    expect(card).to_contain_text("rapport")
    assert_accessible(karim)
    card.get_by_role("link", name="Naar de rapporten").click()
    expect(karim.get_by_role("heading", level=1)).to_contain_text("Gemeente Utrecht")
    assert_accessible(karim)
    assert fits_the_phone(karim)
    listing = karim.locator("main").inner_text()
    assert "KM-2026-0142" in listing and "Daan" not in listing and "keuken" not in listing
    karim.get_by_label("Klantnummer").fill("km-2026")
    karim.get_by_role("button", name="Zoeken").click()
    karim.get_by_role("link", name="KM-2026-0142").first.click()
    expect(karim.locator("[data-number]")).to_be_visible()
    assert_accessible(karim)
    report_url = karim.url
    with karim.expect_download() as download:
        karim.get_by_role("link", name="Download PDF").click()
    pdf_path = tmp_path / "rapport.pdf"
    download.value.save_as(pdf_path)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf_path.read_bytes())).pages)
    assert "KM-2026-0142" in text and "Daan" not in text

    # The coordinator stops sharing; the klantmanager loses access at once.
    carla = phone(COORDINATOR)
    carla.locator('[data-role="coordinator"] tr', has_text=VOLUNTEER_ORG).get_by_role(
        "link", name=re.compile("^Instellingen")
    ).click()
    box = carla.get_by_label(re.compile("^Klantmanagers van de gemeente"))
    expect(box).to_be_checked()
    box.uncheck()
    carla.get_by_role("button", name="Opslaan").click()
    expect(carla.locator(".alert--success")).to_be_visible()
    assert_accessible(carla)

    karim.goto("/gemeente/rapporten")
    expect(karim.locator("main")).to_contain_text("Er zijn nog geen rapporten die je mag inzien")
    assert "KM-2026-0142" not in karim.locator("main").inner_text()
    response = karim.goto(report_url)
    assert response.status == 404
