"""The coordinator's participation screens, the public check page and the hours in the EVC-A
portfolio, through the test client."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import timedelta

from sqlalchemy import select

from evc.accounts.models import Role
from evc.extensions import db
from evc.participation.models import (
    EntryStatus,
    Exemption,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
)
from tests import factories
from tests.conftest import Browserless
from tests.participation.screens import (
    TODAY,
    as_user,
    assert_no_leak,
    count,
    text,
)

# --- the coordinator ------------------------------------------------------------------------


def agreement_form(daan, host, hanna, **overrides) -> dict:
    data = {
        "client_id": str(daan.id),
        "host_organisation_id": str(host.id),
        "host_contact_id": str(hanna.id),
        "municipality": "Gemeente Utrecht",
        "client_reference": "KM-2026-0142",
        "regime": "voluntary",
        "activity": "Helpen in de keuken",
        "hours_min": "2",
        "hours_max": "8",
        "starts_on": (TODAY - timedelta(days=10)).isoformat(),
        "ends_on": (TODAY + timedelta(days=100)).isoformat(),
    }
    data.update(overrides)
    return data


def test_coordinator_refuses_a_bsn_and_records_the_agreement(
    app, org, coordinator, daan, host, hanna
):
    web = as_user(app, coordinator)
    url = f"/organisaties/{org.id}/participatie/nieuw"
    response = web.post_form(url, agreement_form(daan, host, hanna, client_reference="111222333"))
    assert response.status_code == 422
    assert "Een BSN mag hier niet worden opgeslagen" in text(response)
    assert count(ParticipationAgreement) == 0
    response = web.post_form(url, agreement_form(daan, host, hanna))
    assert response.status_code == 302
    agreement = db.session.scalar(select(ParticipationAgreement))
    assert agreement.weekly_minutes_min == 120 and agreement.weekly_minutes_max == 480
    listing = text(web.get(f"/organisaties/{org.id}/participatie"))
    assert "Daan Deelnemer" in listing
    assert "Participatie" in text(web.get("/overzicht"))


def test_coordinator_changes_terms_adds_an_exemption_and_issues_a_report(app, coordinator, running):
    factories.hours(running, TODAY - timedelta(days=2), 150, status=EntryStatus.APPROVED)
    web = as_user(app, coordinator)
    base = f"/participatie/afspraken/{running.id}"
    page = text(web.get(f"{base}/wijzigen"))
    version = re.search(r'name="version_id" type="hidden" value="(\d+)"', page).group(1)
    data = {
        "municipality": "Gemeente Utrecht",
        "client_reference": "KM-2026-0142",
        "regime": "voluntary",
        "activity": "Koken in het buurthuis",
        "hours_min": "3",
        "hours_max": "6",
        "starts_on": running.starts_on.isoformat(),
        "ends_on": running.ends_on.isoformat(),
        "version_id": version,
    }
    assert web.post_form(f"{base}/wijzigen", data).status_code == 302
    stale = web.post_form(f"{base}/wijzigen", {**data, "activity": "Tuinieren"})
    assert stale.status_code == 409 and "Iemand anders" in text(stale)
    # The stored terms are shown beside what was typed, and a second save builds on them.
    shown = text(stale)
    assert "Dit staat nu opgeslagen" in shown and "Koken in het buurthuis" in shown
    assert "Tuinieren" in shown
    newer = re.search(r'name="version_id" type="hidden" value="(\d+)"', shown).group(1)
    assert web.post_form(f"{base}/wijzigen", {**data, "version_id": newer}).status_code == 302
    exemption = {
        "starts_on": (TODAY - timedelta(days=20)).isoformat(),
        "ends_on": (TODAY - timedelta(days=15)).isoformat(),
        "reason": "Mantelzorg",
    }
    assert web.post_form(f"{base}/ontheffing", exemption).status_code == 302
    assert count(Exemption) == 1
    month = TODAY.strftime("%Y-%m")
    response = web.post_form(f"{base}/rapport", {"first_month": month, "last_month": month})
    assert response.status_code == 302
    record = db.session.scalar(select(ParticipationReport))
    first = web.get(f"/participatie/rapporten/{record.id}/pdf")
    second = web.get(f"/participatie/rapporten/{record.id}/pdf")
    assert first.data == second.data == record.pdf
    assert first.headers["Content-Disposition"].startswith("attachment")
    assert hashlib.sha256(first.data).hexdigest() == record.sha256
    csv_text = text(web.get(f"/participatie/rapporten/{record.id}/csv"))
    assert "KM-2026-0142" in csv_text and "Mantelzorg" not in csv_text
    report_page = text(web.get(f"/participatie/rapporten/{record.id}"))
    assert record.number in report_page and record.sha256 in report_page


def test_report_for_a_period_without_agreement_gets_a_message(app, coordinator, running):
    web = as_user(app, coordinator)
    before = (running.starts_on - timedelta(days=200)).strftime("%Y-%m")
    response = web.post_form(
        f"/participatie/afspraken/{running.id}/rapport",
        {"first_month": before, "last_month": before},
    )
    assert response.status_code == 422 and "geen participatieafspraak" in text(response)
    assert count(ParticipationReport) == 0


def test_coordinator_of_another_organisation_sees_nothing(app, other_org, running, coordinator):
    record = factories.hours(running, TODAY - timedelta(days=1), status=EntryStatus.APPROVED)
    from evc.participation import services

    report = services.issue_report(running, TODAY, TODAY, actor=coordinator, today=TODAY)
    db.session.commit()
    stranger = factories.user(Role.COORDINATOR, org=other_org)
    web = as_user(app, stranger)
    for url in (
        f"/participatie/afspraken/{running.id}",
        f"/participatie/afspraken/{running.id}/wijzigen",
        f"/participatie/afspraken/{running.id}/ontheffing",
        f"/participatie/afspraken/{running.id}/rapport",
        f"/participatie/rapporten/{report.id}",
        f"/participatie/rapporten/{report.id}/pdf",
        f"/participatie/rapporten/{report.id}/csv",
        f"/participatie/uren/{record.id}",
    ):
        assert web.get(url).status_code == 404, url
    listing = text(web.get(f"/organisaties/{other_org.id}/participatie"))
    assert_no_leak(listing, "Daan", "KM-2026-0142")


def test_reports_are_for_client_and_coordinator_not_the_host(
    app, running, daan, hanna, coordinator
):
    from evc.participation import services

    factories.hours(running, TODAY - timedelta(days=1), status=EntryStatus.APPROVED)
    report = services.issue_report(running, TODAY, TODAY, actor=coordinator, today=TODAY)
    db.session.commit()
    assert as_user(app, daan).get(f"/participatie/rapporten/{report.id}/pdf").status_code == 200
    host = as_user(app, hanna)
    assert host.get(f"/participatie/rapporten/{report.id}").status_code == 404
    assert host.get(f"/participatie/rapporten/{report.id}/csv").status_code == 404


# --- the public check page ------------------------------------------------------------------


def test_check_page_confirms_a_report_and_its_file(app, client, running, coordinator):
    from evc.participation import services

    factories.hours(running, TODAY - timedelta(days=1), status=EntryStatus.APPROVED)
    report = services.issue_report(running, TODAY, TODAY, actor=coordinator, today=TODAY)
    db.session.commit()
    web = Browserless(client)
    page = web.post_form(
        "/participatie/controle",
        {"number": report.number, "file": (io.BytesIO(report.pdf), "rapport.pdf")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200
    body = text(page)
    assert 'data-result="found"' in body and 'data-result="file-matches"' in body
    assert_no_leak(body, "KM-2026-0142", "Daan", "Utrecht")
    changed = web.post_form(
        "/participatie/controle",
        {"number": report.number, "file": (io.BytesIO(report.pdf + b"x"), "rapport.pdf")},
        content_type="multipart/form-data",
    )
    assert 'data-result="file-differs"' in text(changed)
    unknown = web.post_form("/participatie/controle", {"number": "PR-AAAA-BBBB-CCCC-DDDD"})
    assert unknown.status_code == 404 and 'data-result="unknown"' in text(unknown)


def test_check_page_is_throttled_per_address(app, client):
    app.config["REPORT_CHECK_MAX_PER_ADDRESS"] = 2
    web = Browserless(client)
    for _ in range(2):
        assert web.post_form("/participatie/controle", {"number": "PR-X"}).status_code == 404
    response = web.post_form("/participatie/controle", {"number": "PR-X"})
    assert response.status_code == 429 and "te vaak" in text(response)


# --- with EVC-A -------------------------------------------------------------------------------


def test_client_adds_verified_hours_to_the_portfolio(app, org, running, daan):
    from evc.portfolio.models import EvidenceItem
    from evc.procedure.phases import Phase

    trajectory = factories.trajectory(org, volunteer=daan, phase=Phase.RECOGNITION)
    factories.choose(trajectory, "cooperating")
    web = as_user(app, daan)
    url = f"/participatie/afspraken/{running.id}/portfolio"
    response = web.post_form(
        url, {"trajectory_id": str(trajectory.id), "competencies": "cooperating"}
    )
    assert response.status_code == 422 and "nog geen goedgekeurde uren" in text(response)
    factories.hours(running, TODAY - timedelta(days=1), 150, status=EntryStatus.APPROVED)
    factories.hours(running, TODAY - timedelta(days=2), 600)  # pending: does not count
    response = web.post_form(
        url, {"trajectory_id": str(trajectory.id), "competencies": "cooperating"}
    )
    assert response.status_code == 302, text(response)[:2000]
    item = db.session.scalar(select(EvidenceItem))
    assert "2,5 uur" in item.title and "Buurthuis De Schakel" in item.work_context
    assert "KM-2026-0142" not in item.description + item.title + item.work_context
    assert item.competency_ids == ["cooperating"]


def test_demo_client_has_two_months_of_hours_and_a_report(app):
    app.config["DEMO_PASSWORD"] = "mijn eigen demo wachtwoord"
    app.test_cli_runner().invoke(args=["evc", "seed-demo"])
    client = Browserless(app.test_client())
    client.login("deelnemer@example.org", "mijn eigen demo wachtwoord")
    dashboard = text(client.get("/overzicht"))
    assert "Buurthuis De Schakel" in dashboard and "afgewezen" in dashboard
    agreement = db.session.scalar(select(ParticipationAgreement))
    page = text(client.get(f"/participatie/afspraken/{agreement.id}"))
    assert page.count('data-carried-out="yes"') == 2 and "PR-" in page
    statuses = set(db.session.scalars(select(HoursEntry.status)))
    assert statuses == {EntryStatus.APPROVED, EntryStatus.DECLINED, EntryStatus.PENDING}
    host = Browserless(app.test_client())
    host.login("inzet@example.org", "mijn eigen demo wachtwoord")
    assert "Daan Deelnemer" in text(host.get("/participatie/te-controleren"))


def test_report_with_a_month_that_is_not_a_month_gets_a_message(app, coordinator, running):
    web = as_user(app, coordinator)
    response = web.post_form(
        f"/participatie/afspraken/{running.id}/rapport",
        {"first_month": "oktober", "last_month": TODAY.strftime("%Y-%m")},
    )
    assert response.status_code == 422 and "Kies een maand" in text(response)
    assert count(ParticipationReport) == 0
