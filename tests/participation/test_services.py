"""Services of the participation log, with the clock frozen at TODAY (Wednesday 18 November
2026). A refused call must leave nothing behind: no entry, no audit row, no mail."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from evc.audit import AuditEntry
from evc.errors import ConcurrentEdit, DomainError
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.participation import services
from evc.participation.models import (
    EntryStatus,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
    Regime,
)
from tests import factories
from tests.participation.conftest import TODAY


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def written() -> dict:
    return {
        "agreements": count(ParticipationAgreement),
        "entries": count(HoursEntry),
        "reports": count(ParticipationReport),
        "audit": count(AuditEntry),
        "mail": count(OutboxMessage),
    }


def refusal(call, *args, **kwargs) -> DomainError:
    before = written()
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert written() == before, "a refused call wrote something"
    return caught.value


def terms(client, host, contact, **overrides) -> dict:
    data = {
        "client_id": client.id,
        "host_organisation_id": host.id,
        "host_contact_id": contact.id,
        "municipality": "Gemeente Utrecht",
        "client_reference": "KM-2026-0142",
        "regime": "reciprocity",
        "activity": "Helpen in de keuken",
        "weekly_minutes_min": 120,
        "weekly_minutes_max": 480,
        "starts_on": date(2026, 9, 1),
        "ends_on": date(2026, 12, 31),
    }
    data.update(overrides)
    return data


def entry_data(**overrides) -> dict:
    data = {"worked_on": TODAY, "minutes": 150, "activity": "Koken", "note": ""}
    data.update(overrides)
    return data


# --- the client reference ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["111222333", "123456782", "1234.56.782", "1234 56 782", "ref 123456782", "123-456-782"],
)
def test_bsn_like_references_are_recognised(value):
    assert services.looks_like_bsn(value)


@pytest.mark.parametrize("value", ["123456789", "KM-2026-0142", "12345678", "000000000", ""])
def test_other_references_are_not_taken_for_a_bsn(value):
    assert not services.looks_like_bsn(value)


def test_agreement_with_a_bsn_as_reference_is_refused(org, coordinator, daan, host, hanna):
    error = refusal(
        services.create_agreement,
        org,
        terms(daan, host, hanna, client_reference="1234.56.782"),
        actor=coordinator,
    )
    assert error.field == "client_reference"
    assert "BSN" in str(error.message) and "mag hier niet worden opgeslagen" in str(error.message)


# --- agreements -------------------------------------------------------------------------------


def test_agreement_is_recorded_with_audit_and_mail(org, coordinator, daan, host, hanna):
    agreement = services.create_agreement(org, terms(daan, host, hanna), actor=coordinator)
    db.session.commit()
    assert agreement.legal_reference.startswith("art. 9 lid 1 onderdeel c")
    assert count(AuditEntry, AuditEntry.action == "participation.agreement_created") == 1
    mails = {m.recipient_id: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(mails) == {daan.id, hanna.id}
    host_mail = mails[hanna.id].body
    assert "Daan Deelnemer" in host_mail and "Helpen in de keuken" in host_mail
    for secret in ("KM-2026-0142", "Utrecht", "tegenprestatie", "Participatiewet"):
        assert secret not in host_mail


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": date(2027, 3, 31)}, "ends_on"),  # tegenprestatie ends with 2026
        ({"regime": "social_participation"}, "starts_on"),  # starts in 2027
        ({"ends_on": date(2026, 8, 31)}, "ends_on"),
        ({"weekly_minutes_min": 600, "weekly_minutes_max": 480}, "weekly_minutes_max"),
        ({"weekly_minutes_max": 41 * 60}, "weekly_minutes_max"),
        ({"weekly_minutes_min": 100}, "weekly_minutes_min"),
        ({"municipality": "  "}, "municipality"),
        ({"activity": ""}, "activity"),
    ],
)
def test_agreement_with_bad_terms_is_refused(org, coordinator, daan, host, hanna, overrides, field):
    error = refusal(
        services.create_agreement, org, terms(daan, host, hanna, **overrides), actor=coordinator
    )
    assert error.field == field


def test_agreement_needs_a_client_of_the_organisation_and_a_supervisor_of_the_host(
    org, other_org, coordinator, daan, host, hanna, other_host, otto
):
    stranger = factories.user(factories.Role.CLIENT, org=other_org)
    assert (
        refusal(
            services.create_agreement, org, terms(stranger, host, hanna), actor=coordinator
        ).field
        == "client_id"
    )
    assert (
        refusal(services.create_agreement, org, terms(daan, host, otto), actor=coordinator).field
        == "host_contact_id"
    )
    assert (
        refusal(services.create_agreement, org, terms(daan, org, hanna), actor=coordinator).field
        == "host_organisation_id"
    )


def test_social_participation_from_2027_is_accepted(org, coordinator, daan, host, hanna):
    data = terms(
        daan,
        host,
        hanna,
        regime="social_participation",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 12, 31),
    )
    agreement = services.create_agreement(org, data, actor=coordinator)
    assert agreement.regime == Regime.SOCIAL_PARTICIPATION
    assert "maatschappelijke participatie" in agreement.legal_reference


def test_agreement_change_is_refused_when_logged_hours_fall_outside(
    agreement, coordinator, daan, host, hanna
):
    factories.hours(agreement, date(2026, 9, 15))
    data = terms(daan, host, hanna, starts_on=date(2026, 10, 1))
    starts_on = agreement.starts_on
    error = refusal(
        services.update_agreement,
        agreement,
        data,
        version_id=agreement.version_id,
        actor=coordinator,
    )
    assert "buiten deze periode" in error.message
    db.session.rollback()
    assert db.session.get(type(agreement), agreement.id).starts_on == starts_on


def test_stale_agreement_change_is_refused(agreement, coordinator, daan, host, hanna):
    with pytest.raises(ConcurrentEdit):
        services.update_agreement(
            agreement,
            terms(daan, host, hanna),
            version_id=agreement.version_id - 1,
            actor=coordinator,
        )


def test_exemptions_stay_inside_the_agreement_and_do_not_overlap(agreement, coordinator):
    services.add_exemption(
        agreement,
        date(2026, 10, 5),
        date(2026, 10, 18),
        "Mantelzorg voor moeder",
        actor=coordinator,
    )
    db.session.commit()
    refusal(
        services.add_exemption,
        agreement,
        date(2026, 10, 18),
        date(2026, 10, 20),
        "",
        actor=coordinator,
    )
    refusal(
        services.add_exemption,
        agreement,
        date(2026, 12, 20),
        date(2027, 1, 5),
        "",
        actor=coordinator,
    )
    audit = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "participation.exemption_added")
    )
    assert "Mantelzorg" not in str(audit.details)


# --- hours ------------------------------------------------------------------------------------


def test_client_logs_hours_that_wait_for_the_host(agreement, daan):
    entry = services.log_hours(agreement, entry_data(), actor=daan, today=TODAY)
    assert entry.status == EntryStatus.PENDING and entry.minutes == 150
    assert count(AuditEntry, AuditEntry.action == "participation.hours_logged") == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"worked_on": TODAY + timedelta(days=1)}, "toekomst"),
        ({"minutes": 12 * 60 + 15}, "hoogstens 12 uur"),
        ({"minutes": -60}, "hoe lang"),
        ({"minutes": 0}, "hoe lang"),
        ({"minutes": 100}, "kwartieren"),
        ({"worked_on": date(2026, 8, 31)}, "buiten je afspraak"),
        ({"activity": " "}, "wat je hebt gedaan"),
    ],
)
def test_bad_hours_are_refused_with_a_clear_message(agreement, daan, overrides, message):
    error = refusal(services.log_hours, agreement, entry_data(**overrides), actor=daan, today=TODAY)
    assert message in str(error.message)


def test_more_than_twelve_hours_on_one_day_in_several_entries_is_refused(agreement, daan):
    factories.hours(agreement, TODAY, 10 * 60)
    factories.hours(agreement, TODAY, 3 * 60, status=EntryStatus.DECLINED)  # does not count
    services.log_hours(agreement, entry_data(minutes=120), actor=daan, today=TODAY)
    error = refusal(services.log_hours, agreement, entry_data(minutes=15), actor=daan, today=TODAY)
    assert "boven de 12 uur" in str(error.message)


def test_verified_hours_cannot_be_changed(agreement, daan):
    entry = factories.hours(agreement, TODAY, status=EntryStatus.APPROVED)
    error = refusal(
        services.update_entry,
        entry,
        entry_data(minutes=60),
        version_id=entry.version_id,
        actor=daan,
        today=TODAY,
    )
    assert "al goedgekeurd" in str(error.message)
    assert db.session.get(HoursEntry, entry.id).minutes == 120


def test_declined_hours_corrected_go_back_to_the_host(agreement, daan):
    entry = factories.hours(agreement, TODAY - timedelta(days=1), status=EntryStatus.DECLINED)
    services.update_entry(
        entry,
        entry_data(worked_on=entry.worked_on, minutes=90),
        version_id=entry.version_id,
        actor=daan,
        today=TODAY,
    )
    assert entry.status == EntryStatus.PENDING and entry.decided_at is None
    assert count(AuditEntry, AuditEntry.action == "participation.hours_resubmitted") == 1


def test_stale_hours_change_is_refused(agreement, daan):
    entry = factories.hours(agreement, TODAY)
    with pytest.raises(ConcurrentEdit):
        services.update_entry(
            entry, entry_data(), version_id=entry.version_id + 1, actor=daan, today=TODAY
        )


def test_host_declines_with_a_reason_and_the_client_is_mailed(agreement, hanna, daan):
    entry = factories.hours(agreement, TODAY)
    assert refusal(services.decline_entry, entry, "  ", actor=hanna).field == "reason"
    services.decline_entry(entry, "Je was die dag vrij.", actor=hanna)
    assert entry.status == EntryStatus.DECLINED and entry.decline_reason == "Je was die dag vrij."
    mail = db.session.scalar(select(OutboxMessage))
    assert mail.recipient_id == daan.id and "Je was die dag vrij." in mail.body
    assert "al besloten" in refusal(services.approve_entry, entry, actor=hanna).message


def test_approving_a_week_approves_only_that_weeks_pending_hours(agreement, hanna, olga_agreement):
    monday = date(2026, 11, 9)
    inside = [factories.hours(agreement, monday + timedelta(days=d)) for d in (0, 2, 6)]
    before = factories.hours(agreement, monday - timedelta(days=1))
    declined = factories.hours(agreement, monday + timedelta(days=3), status=EntryStatus.DECLINED)
    assert services.approve_week(agreement, monday, actor=hanna) == 3
    db.session.commit()
    db.session.expire_all()
    assert {db.session.get(HoursEntry, e.id).status for e in inside} == {EntryStatus.APPROVED}
    assert db.session.get(HoursEntry, before.id).status == EntryStatus.PENDING
    assert db.session.get(HoursEntry, declined.id).status == EntryStatus.DECLINED
    others = db.session.scalars(
        select(HoursEntry.status).where(HoursEntry.agreement_id == olga_agreement.id)
    ).all()
    assert others == [EntryStatus.PENDING]
    assert count(AuditEntry, AuditEntry.action == "participation.hours_approved") == 3
    refusal(services.approve_week, agreement, monday, actor=hanna)
