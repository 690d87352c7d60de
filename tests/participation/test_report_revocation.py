"""A wrong report for the municipality is revoked with a reason, never changed or deleted: the
stored PDF stays byte for byte, the check page says "revoked", and the people who could read it
are told (the klantmanager without client data)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from evc.audit import AuditEntry
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.participation import services
from evc.participation.models import EntryStatus, ParticipationReport
from tests import factories
from tests.conftest import Browserless
from tests.participation.screens import TODAY, as_user, count, text

REASON = "Verkeerde maand gekozen, vervangen door een nieuw rapport."


@pytest.fixture
def report(running, coordinator):  # noqa: F811
    factories.hours(running, TODAY - timedelta(days=1), status=EntryStatus.APPROVED)
    record = services.issue_report(running, TODAY, TODAY, actor=coordinator, today=TODAY)
    db.session.commit()
    return record


@pytest.fixture
def karim(app):
    return factories.case_manager(
        factories.municipality_org("Gemeente Utrecht"), name="Karim", email="karim@utrecht.example"
    )


def test_coordinator_revokes_a_report_and_it_stays_the_same_file(app, report, coordinator, daan):
    pdf, sha = report.pdf, report.sha256
    agreement_id, organisation_id = report.agreement_id, report.agreement.organisation_id
    web = as_user(app, coordinator)
    page = text(web.get(f"/participatie/rapporten/{report.id}"))
    assert "Rapport intrekken" in page and "data-revoked" not in page
    refused = web.post_form(f"/participatie/rapporten/{report.id}/intrekken", {"reason": ""})
    assert refused.status_code == 422
    assert "Schrijf op waarom je het rapport intrekt." in text(refused)
    db.session.expire_all()
    assert db.session.get(ParticipationReport, report.id).revoked_at is None

    done = web.post_form(f"/participatie/rapporten/{report.id}/intrekken", {"reason": REASON})
    assert done.status_code == 302
    page = text(web.get(f"/participatie/rapporten/{report.id}"))
    assert "data-revoked" in page and REASON in page
    assert "Rapport intrekken" not in page  # once only
    db.session.expire_all()
    stored = db.session.get(ParticipationReport, report.id)
    assert stored.pdf == pdf and stored.sha256 == sha and stored.revoked_by_id == coordinator.id
    assert web.get(f"/participatie/rapporten/{report.id}/pdf").data == pdf
    listing = text(web.get(f"/participatie/afspraken/{agreement_id}"))
    assert "ingetrokken" in listing
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "participation.report_revoked")
    )
    assert entry.actor_id == coordinator.id and entry.organisation_id == organisation_id
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == daan.email))
    assert mail is not None and REASON in mail.body and report.number in mail.body


def test_the_public_check_says_revoked(app, client, report, coordinator):
    services.revoke_report(report, REASON, actor=coordinator)
    db.session.commit()
    page = Browserless(client).post_form(
        "/participatie/controle",
        {"number": report.number, "file": (io.BytesIO(report.pdf), "rapport.pdf")},
        content_type="multipart/form-data",
    )
    body = text(page)
    assert 'data-result="revoked"' in body and 'data-result="file-matches"' in body
    assert REASON not in body  # the reason is for the people involved, not the public


def test_revoking_twice_or_without_reason_changes_nothing(app, report, coordinator):
    with pytest.raises(DomainError):
        services.revoke_report(report, "   ", actor=coordinator)
    assert report.revoked_at is None
    services.revoke_report(report, REASON, actor=coordinator)
    first = report.revoked_at
    with pytest.raises(DomainError, match="al ingetrokken"):
        services.revoke_report(report, "Nog een keer, andere reden", actor=coordinator)
    assert report.revoked_at == first and report.revocation_reason == REASON


def test_a_revoked_report_sends_the_coordinator_back_with_the_reason(
    app, report, coordinator, daan
):
    services.revoke_report(report, REASON, actor=coordinator)
    db.session.commit()
    url = f"/participatie/rapporten/{report.id}/intrekken"
    web = as_user(app, coordinator)
    response = web.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/participatie/rapporten/{report.id}")
    assert "Dit rapport is al ingetrokken." in text(web.get(response.headers["Location"]))
    assert as_user(app, daan).get(url).status_code == 404  # may read it, not revoke it


def test_only_the_coordinator_of_the_agreement_may_revoke(
    app, report, daan, hanna, other_org, karim, org
):
    factories.org_settings(org, share_reports_with_case_managers=True)
    other = factories.user(factories.Role.COORDINATOR, org=other_org, email="c2@test.example")
    for person in (daan, hanna, other, karim):
        web = as_user(app, person)
        assert web.get(f"/participatie/rapporten/{report.id}/intrekken").status_code == 404
        page = web.get(f"/participatie/rapporten/{report.id}")
        assert "Rapport intrekken" not in text(page)
    db.session.expire_all()
    assert db.session.get(ParticipationReport, report.id).revoked_at is None


def test_klantmanager_is_told_without_client_data_and_sees_it_marked(
    app, report, coordinator, karim, org
):
    factories.org_settings(org, share_reports_with_case_managers=True)
    services.revoke_report(report, REASON, actor=coordinator)
    db.session.commit()
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == karim.email))
    assert mail is not None and report.number in mail.body
    assert "KM-2026-0142" not in mail.body and "Daan" not in mail.body and REASON not in mail.body
    listing = text(as_user(app, karim).get("/gemeente/rapporten"))
    assert "KM-2026-0142" in listing and "ingetrokken" in listing


def test_no_mail_to_klantmanagers_when_the_organisation_does_not_share(
    app, report, coordinator, karim
):
    services.revoke_report(report, REASON, actor=coordinator)
    db.session.commit()
    assert count(OutboxMessage, OutboxMessage.to_address == karim.email) == 0
