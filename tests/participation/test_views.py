"""The participation screens through the test client, for every role, allowed and denied.
Olga's agreement (another client, another host) is always there, so "not shown" means something.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from evc.accounts.models import Role
from evc.audit import AuditEntry
from evc.extensions import db
from evc.participation.models import (
    EntryStatus,
    Exemption,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
    Regime,
)
from tests import factories
from tests.conftest import Browserless

TODAY = date.today()
OVERVIEW_QUERIES = 7
QUEUE_QUERIES = 3


def text(response) -> str:
    return response.get_data(as_text=True)


def as_user(app, person) -> Browserless:
    web = Browserless(app.test_client())
    web.login(person.email)
    return web


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def running(org, daan, hanna):
    """Daan's agreement around the real today (views use the real clock)."""
    return factories.agreement(
        org,
        client=daan,
        contact=hanna,
        starts_on=TODAY - timedelta(days=70),
        ends_on=TODAY + timedelta(days=60),
        regime=Regime.VOLUNTARY,
    )


@pytest.fixture
def olga_running(org, olga, otto):
    record = factories.agreement(
        org,
        client=olga,
        contact=otto,
        starts_on=TODAY - timedelta(days=70),
        ends_on=TODAY + timedelta(days=60),
        regime=Regime.VOLUNTARY,
        reference="OLGA-REF-777",
        municipality="Gemeente Zeist",
        activity="Sorteren van kleding",
    )
    factories.hours(record, TODAY - timedelta(days=1), 180, activity="GEHEIM-OLGA-WERK")
    return record


OLGA_SECRETS = ("OLGA-REF-777", "Gemeente Zeist", "GEHEIM-OLGA-WERK", "Olga Overig")


def assert_no_leak(page: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in page, secret


# --- the client -------------------------------------------------------------------------------


def test_client_sees_own_agreement_with_reference_and_no_one_elses(
    app, running, daan, olga_running
):
    factories.exemption(running, TODAY - timedelta(days=30), TODAY - timedelta(days=25), "Zorg")
    factories.hours(running, TODAY - timedelta(days=2), 150, status=EntryStatus.APPROVED)
    web = as_user(app, daan)
    response = web.get("/participatie")
    assert response.status_code == 302
    page = text(web.get(response.headers["Location"]))
    assert "KM-2026-0142" in page and "Gemeente Utrecht" in page and "Zorg" in page
    assert "2,5" in page and 'data-carried-out="yes"' in page
    assert_no_leak(page, *OLGA_SECRETS)
    dashboard = text(web.get("/overzicht"))
    assert "Buurthuis De Schakel" in dashboard and "Uren schrijven" in dashboard


def test_client_logs_hours_on_a_phone_form(app, running, daan):
    web = as_user(app, daan)
    url = f"/participatie/afspraken/{running.id}/uren"
    form = text(web.get(url))
    assert 'inputmode="decimal"' in form and 'type="date"' in form
    response = web.post_form(
        url,
        {
            "worked_on": TODAY.isoformat(),
            "hours": "2,25",
            "activity": "Koffie schenken",
            "note": "",
            "once": re.search(r'name="once" type="hidden" value="([^"]+)"', form).group(1),
        },
    )
    assert response.status_code == 302
    entry = db.session.scalar(select(HoursEntry))
    assert entry.minutes == 135 and entry.status == EntryStatus.PENDING


@pytest.mark.parametrize(
    ("day", "hours", "message"),
    [
        (TODAY + timedelta(days=1), "2", "toekomst"),
        (TODAY, "13", "hoogstens 12 uur"),
        (TODAY, "-1", "hoe lang"),
        (TODAY, "1,1", "kwartieren"),
        (TODAY - timedelta(days=100), "2", "buiten je afspraak"),
        (TODAY, "twee", "bijvoorbeeld 2 of 2,5"),
    ],
)
def test_bad_hours_get_a_message_and_nothing_is_saved(app, running, daan, day, hours, message):
    web = as_user(app, daan)
    url = f"/participatie/afspraken/{running.id}/uren"
    form = text(web.get(url))
    once = re.search(r'name="once" type="hidden" value="([^"]+)"', form).group(1)
    response = web.post_form(
        url, {"worked_on": day.isoformat(), "hours": hours, "activity": "Koken", "once": once}
    )
    assert response.status_code == 422
    assert message in text(response)
    assert count(HoursEntry) == 0


def test_client_corrects_declined_hours_but_cannot_change_verified_ones(app, running, daan):
    declined = factories.hours(running, TODAY - timedelta(days=3), status=EntryStatus.DECLINED)
    approved = factories.hours(running, TODAY - timedelta(days=4), status=EntryStatus.APPROVED)
    web = as_user(app, daan)
    page = text(web.get(f"/participatie/uren/{declined.id}"))
    assert "Die dag was je er niet." in page
    response = web.post_form(
        f"/participatie/uren/{declined.id}",
        {
            "worked_on": declined.worked_on.isoformat(),
            "hours": "1,5",
            "activity": "Koken",
            "version_id": str(declined.version_id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(HoursEntry, declined.id).status == EntryStatus.PENDING
    response = web.get(f"/participatie/uren/{approved.id}")
    assert response.status_code == 302
    assert "al goedgekeurd" in text(web.get(response.headers["Location"]))
    assert db.session.get(HoursEntry, approved.id).minutes == 120


def test_other_client_cannot_reach_daans_agreement_or_hours(app, running, olga, olga_running):
    entry = factories.hours(running, TODAY - timedelta(days=1), activity="DAAN-WERK")
    web = as_user(app, olga)
    for url in (
        f"/participatie/afspraken/{running.id}",
        f"/participatie/afspraken/{running.id}/uren",
        f"/participatie/uren/{entry.id}",
        f"/participatie/afspraken/{running.id}/portfolio",
    ):
        assert web.get(url).status_code == 404, url
    own = text(web.get(f"/participatie/afspraken/{olga_running.id}"))
    assert_no_leak(own, "DAAN-WERK", "KM-2026-0142", "Daan")
    assert web.get("/participatie/te-controleren").status_code == 403


# --- the host contact -----------------------------------------------------------------------


def test_host_sees_work_and_hours_only(app, running, hanna, olga_running):
    factories.exemption(running, TODAY - timedelta(days=30), TODAY - timedelta(days=25), "Ziek")
    factories.hours(running, TODAY - timedelta(days=1), note="Ik was er vroeg")
    web = as_user(app, hanna)
    queue = text(web.get("/participatie/te-controleren"))
    assert "Daan Deelnemer" in queue and "Ik was er vroeg" in queue
    assert_no_leak(queue, *OLGA_SECRETS)
    page = text(web.get(f"/participatie/afspraken/{running.id}"))
    assert "Helpen in de keuken" in page
    assert (TODAY - timedelta(days=30)).year and "data-private" not in page
    assert_no_leak(page, "KM-2026-0142", "Gemeente Utrecht", "Ziek", "Vrijwillig", "Rapport")
    dashboard = text(web.get("/overzicht"))
    assert 'data-role="host"' in dashboard and "Er wacht 1 keer uren" in dashboard


def test_host_approves_declines_and_approves_a_week(app, running, hanna, daan):
    monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    first, second, third = (factories.hours(running, monday + timedelta(days=d)) for d in (0, 1, 2))
    web = as_user(app, hanna)
    queue_url = "/participatie/te-controleren"
    assert (
        web.post_form(f"/participatie/uren/{first.id}/goedkeuren", form_url=queue_url).status_code
        == 302
    )
    response = web.post_form(f"/participatie/uren/{second.id}/afwijzen", {"reason": ""})
    assert response.status_code == 422 and "waarom" in text(response)
    response = web.post_form(f"/participatie/uren/{second.id}/afwijzen", {"reason": "Niet gezien"})
    assert response.status_code == 302
    response = web.post_form(
        f"/participatie/afspraken/{running.id}/weken/{monday.isoformat()}/goedkeuren",
        form_url=queue_url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    statuses = [db.session.get(HoursEntry, e.id).status for e in (first, second, third)]
    assert statuses == [EntryStatus.APPROVED, EntryStatus.DECLINED, EntryStatus.APPROVED]
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"participation.hours_approved", "participation.hours_declined"} <= actions
    # a decided entry cannot be decided again: it is no longer the host's to verify
    assert (
        web.post_form(f"/participatie/uren/{first.id}/goedkeuren", form_url=queue_url).status_code
        == 404
    )


def test_host_cannot_verify_another_hosts_client(app, running, otto, olga_running):
    entry = factories.hours(running, TODAY - timedelta(days=1), activity="DAAN-WERK")
    web = as_user(app, otto)
    queue_url = "/participatie/te-controleren"
    queue = text(web.get(queue_url))
    assert_no_leak(queue, "DAAN-WERK", "Daan Deelnemer")
    assert (
        web.post_form(f"/participatie/uren/{entry.id}/goedkeuren", form_url=queue_url).status_code
        == 404
    )
    assert web.get(f"/participatie/uren/{entry.id}/afwijzen").status_code == 404
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert (
        web.post_form(
            f"/participatie/afspraken/{running.id}/weken/{monday.isoformat()}/goedkeuren",
            form_url=queue_url,
        ).status_code
        == 404
    )
    assert web.get(f"/participatie/afspraken/{running.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(HoursEntry, entry.id).status == EntryStatus.PENDING


def test_host_contact_who_left_the_host_no_longer_verifies(app, running, hanna, host):
    from evc.accounts.models import Membership

    entry = factories.hours(running, TODAY - timedelta(days=1))
    membership = db.session.scalar(select(Membership).where(Membership.user_id == hanna.id))
    membership.organisation_id = factories.organisation("Ergens anders").id  # still a supervisor
    db.session.commit()
    web = as_user(app, hanna)
    assert "Daan" not in text(web.get("/participatie/te-controleren"))
    assert web.get(f"/participatie/uren/{entry.id}/afwijzen").status_code == 404
    assert web.get(f"/participatie/afspraken/{running.id}").status_code == 404


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
    stale = web.post_form(f"{base}/wijzigen", data)
    assert stale.status_code == 409 and "Iemand anders" in text(stale)
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


# --- query counts ---------------------------------------------------------------------------


def test_client_overview_query_count_is_constant(app, running, daan, queries):
    web = as_user(app, daan)
    counts = []
    for n in (1, 3):
        while count(HoursEntry) < n:
            factories.hours(running, TODAY - timedelta(days=count(HoursEntry) + 1))
        db.session.remove()
        with queries() as statements:
            page = text(web.get(f"/participatie/afspraken/{running.id}"))
        assert page.count("data-entry=") == n
        counts.append(len(statements))
    # session, user with memberships, agreement with people, exemptions, entries, reports
    assert counts == [OVERVIEW_QUERIES, OVERVIEW_QUERIES], counts


def test_host_queue_query_count_is_constant(app, org, hanna, queries):
    web = as_user(app, hanna)
    counts = []
    for n in (1, 3):
        while count(HoursEntry) < n:
            client = factories.user(Role.CLIENT, org=org)
            item = factories.agreement(
                org,
                client=client,
                contact=hanna,
                starts_on=TODAY - timedelta(days=30),
                ends_on=TODAY + timedelta(days=30),
                regime=Regime.VOLUNTARY,
            )
            factories.hours(item, TODAY - timedelta(days=1))
        db.session.remove()
        with queries() as statements:
            page = text(web.get("/participatie/te-controleren"))
        assert page.count("data-entry=") == n
        counts.append(len(statements))
    # session, user with memberships, pending entries with agreements and clients
    assert counts == [QUEUE_QUERIES, QUEUE_QUERIES], counts


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
