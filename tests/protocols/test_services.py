"""Clearances: granting, expiry and renewal with a frozen clock, new versions, VOG, reminders."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from evc.audit import AuditEntry
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.protocols import services
from evc.protocols.loader import item_hash, parse_protocol
from evc.protocols.models import Clearance, ClearanceStatus, ItemKind, VogStatus
from evc.protocols.reminders import send_expiry_reminders, send_vog_reminders
from evc.protocols.status import State, add_months
from tests import factories
from tests.protocols.conftest import (
    DAY,
    authorise_reserved,
    granted,
    observe,
    prepared,
    vog,
)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_add_months_keeps_the_day_or_takes_the_last_of_the_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 2), 24) == date(2028, 3, 2)
    assert add_months(date(2026, 3, 2), -13) == date(2025, 2, 2)


def test_import_library_takes_over_each_seed_protocol_once(org, coordinator, library):
    assert {"wheelchair_transfer", "oral_medication"} <= set(library)
    assert services.import_library(org, actor=coordinator) == []


def test_granted_clearance_says_yes_until_the_expiry_date(org, volunteer, instructor, library):
    protocol = library["walking_support"]
    clearance = granted(org, volunteer, protocol, instructor, valid_until=DAY + timedelta(days=90))
    assert clearance.status == ClearanceStatus.GRANTED
    early = services.check(org.id, volunteer, protocol, on=DAY + timedelta(days=59))
    assert early.allowed and early.state == State.CLEARED
    soon = services.check(org.id, volunteer, protocol, on=DAY + timedelta(days=60))
    assert soon.allowed and soon.state == State.EXPIRES_SOON  # 30 days left
    day_before = services.check(org.id, volunteer, protocol, on=DAY + timedelta(days=89))
    assert day_before.allowed and day_before.state == State.EXPIRES_SOON
    on_expiry = services.check(org.id, volunteer, protocol, on=DAY + timedelta(days=90))
    assert not on_expiry.allowed and on_expiry.state == State.EXPIRED
    assert [m.code for m in on_expiry.missing] == ["expired"]
    before_grant = services.check(org.id, volunteer, protocol, on=DAY - timedelta(days=1))
    assert [m.code for m in before_grant.missing] == ["not_yet_valid"]


def test_renewal_needs_every_skill_seen_again(org, volunteer, instructor, library):
    protocol = library["walking_support"]
    clearance = granted(org, volunteer, protocol, instructor)
    version = services.current_version(protocol)
    later = DAY + timedelta(days=300)
    with pytest.raises(DomainError, match="Nog niet laten zien"):
        services.grant_clearance(
            clearance,
            version,
            valid_until=later + timedelta(days=30),
            client_reference="",
            expected_version_id=None,
            actor=instructor,
            on=later,
        )
    db.session.rollback()
    observe(clearance, version, instructor, on=later)
    services.grant_clearance(
        clearance,
        version,
        valid_until=add_months(later, 24),
        client_reference="",
        expected_version_id=None,
        actor=instructor,
        on=later,
    )
    db.session.commit()
    assert clearance.valid_until == add_months(later, 24)
    assert services.check(org.id, volunteer, protocol, on=add_months(DAY, 25)).allowed
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert "clearance.granted" in actions and "clearance.renewed" in actions


def test_grant_without_every_skill_demonstrated_is_refused(org, volunteer, instructor, library):
    protocol = library["walking_support"]
    clearance = prepared(org, volunteer, protocol, instructor, demonstrated=False)
    version = services.current_version(protocol)
    with pytest.raises(DomainError, match="Nog niet laten zien"):
        services.grant_clearance(
            clearance,
            version,
            valid_until=DAY + timedelta(days=30),
            client_reference="",
            expected_version_id=None,
            actor=instructor,
            on=DAY,
        )
    db.session.rollback()
    assert db.session.get(Clearance, clearance.id).status == ClearanceStatus.IN_PROGRESS


def test_grant_with_a_valid_until_in_the_past_or_too_far_is_refused(
    org, volunteer, instructor, library
):
    protocol = library["walking_support"]
    clearance = prepared(org, volunteer, protocol, instructor)
    version = services.current_version(protocol)
    for valid_until, message in (
        (DAY - timedelta(days=1), "na vandaag"),
        (DAY, "na vandaag"),
        (add_months(DAY, 24) + timedelta(days=1), "hoogstens 24 maanden"),
    ):
        with pytest.raises(DomainError, match=message) as error:
            services.grant_clearance(
                clearance,
                version,
                valid_until=valid_until,
                client_reference="",
                expected_version_id=None,
                actor=instructor,
                on=DAY,
            )
        assert error.value.field == "valid_until"
        db.session.rollback()
    assert db.session.get(Clearance, clearance.id).valid_until is None


def test_reserved_act_needs_an_authorised_instructor(
    org, volunteer, instructor, coordinator, library
):
    protocol = library["insulin_pen"]
    vog(org, volunteer, coordinator, DAY - timedelta(days=10))
    clearance = prepared(org, volunteer, protocol, instructor)
    version = services.current_version(protocol)
    arguments = {
        "valid_until": DAY + timedelta(days=100),
        "client_reference": "kamer 12",
        "expected_version_id": None,
        "actor": instructor,
        "on": DAY,
    }
    with pytest.raises(DomainError, match="voorbehouden handeling"):
        services.grant_clearance(clearance, version, **arguments)
    db.session.rollback()
    authorise_reserved(org, instructor)
    services.grant_clearance(db.session.get(Clearance, clearance.id), version, **arguments)
    db.session.commit()
    assert services.check(org.id, volunteer, protocol, on=DAY, client="Kamer 12").allowed
    other = services.check(org.id, volunteer, protocol, on=DAY, client="kamer 14")
    assert [m.code for m in other.missing] == ["other_client"]


def test_protocol_with_vog_needs_a_received_vog_that_is_not_too_old(
    org, volunteer, instructor, coordinator, library
):
    protocol = library["eating_and_drinking"]
    clearance = prepared(org, volunteer, protocol, instructor)
    version = services.current_version(protocol)
    with pytest.raises(DomainError, match="geen VOG"):
        services.grant_clearance(
            clearance,
            version,
            valid_until=DAY + timedelta(days=30),
            client_reference="",
            expected_version_id=None,
            actor=instructor,
            on=DAY,
        )
    db.session.rollback()
    vog(org, volunteer, coordinator, DAY - timedelta(days=1000))
    services.grant_clearance(
        db.session.get(Clearance, clearance.id),
        version,
        valid_until=add_months(DAY, 12),
        client_reference="",
        expected_version_id=None,
        actor=instructor,
        on=DAY,
    )
    db.session.commit()
    assert services.check(org.id, volunteer, protocol, on=DAY).allowed
    three_years = add_months(DAY - timedelta(days=1000), 36)
    outdated = services.check(org.id, volunteer, protocol, on=three_years)
    assert [m.code for m in outdated.missing] == ["vog_outdated"]


def test_new_version_with_changed_knowledge_needs_reacknowledgement(
    org, volunteer, instructor, coordinator, library
):
    protocol = library["walking_support"]
    clearance = granted(org, volunteer, protocol, instructor)
    current = services.current_version(protocol)
    data = {
        **_as_data(protocol, current),
        "know": [*current.know, "Je draagt zelf stevige schoenen."],
    }
    services.publish_version(
        protocol,
        parse_protocol(data),
        expected_version_id=protocol.version_id,
        actor=coordinator,
    )
    db.session.commit()
    verdict = services.check(org.id, volunteer, protocol, on=DAY)
    assert verdict.state == State.REACKNOWLEDGE and not verdict.allowed
    assert [m.code for m in verdict.missing] == ["knowledge"]
    new = services.current_version(protocol)
    services.acknowledge_knowledge(
        clearance, new, [item_hash(t) for t in new.know], actor=volunteer, on=DAY
    )
    db.session.commit()
    assert services.check(org.id, volunteer, protocol, on=DAY).allowed
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "protocol.version_published")
    )
    assert entry.details["knowledge_changed"] is True


def test_new_version_with_the_same_knowledge_keeps_the_clearance_valid(
    org, volunteer, instructor, coordinator, library
):
    protocol = library["walking_support"]
    granted(org, volunteer, protocol, instructor)
    current = services.current_version(protocol)
    data = {**_as_data(protocol, current), "title": "Ondersteunen bij lopen (binnen en buiten)"}
    services.publish_version(
        protocol, parse_protocol(data), expected_version_id=None, actor=coordinator
    )
    db.session.commit()
    assert services.check(org.id, volunteer, protocol, on=DAY).allowed
    assert protocol.latest_number == 2


def test_publishing_from_a_stale_form_is_refused(org, coordinator, library):
    protocol = library["walking_support"]
    current = services.current_version(protocol)
    stale = protocol.version_id
    spec = parse_protocol(_as_data(protocol, current))
    services.publish_version(protocol, spec, expected_version_id=stale, actor=coordinator)
    db.session.commit()
    with pytest.raises(DomainError, match="Iemand anders"):
        services.publish_version(protocol, spec, expected_version_id=stale, actor=coordinator)
    db.session.rollback()
    assert protocol.latest_number == 2


def _as_data(protocol, version) -> dict:
    spec = version.as_spec(protocol.key)
    return {
        "id": spec.key,
        "version": spec.version + 1,
        "title": spec.title,
        "description": spec.description,
        "setting": spec.setting,
        "risk_level": spec.risk_level.value,
        "reserved_act": spec.reserved_act,
        "validity_months": spec.validity_months,
        "instructed_by": spec.instructed_by,
        "know": list(spec.know),
        "skills": list(spec.skills),
        "resources": [{"kind": r.kind.value, "text": r.text} for r in spec.resources],
        "stop_and_call": list(spec.stop_and_call),
    }


def test_acknowledging_needs_every_item(org, volunteer, instructor, library):
    protocol = library["walking_support"]
    clearance = services.start_clearance(org, volunteer, protocol, actor=instructor)
    version = services.current_version(protocol)
    with pytest.raises(DomainError, match="Bevestig elk punt"):
        services.acknowledge_knowledge(
            clearance, version, [item_hash(version.know[0])], actor=volunteer, on=DAY
        )
    db.session.rollback()
    assert not [i for i in clearance.items if i.kind == ItemKind.KNOW]


def test_one_open_clearance_per_volunteer_and_task(org, volunteer, instructor, library):
    protocol = library["walking_support"]
    services.start_clearance(org, volunteer, protocol, actor=instructor)
    db.session.commit()
    with pytest.raises(DomainError, match="heeft al een bevoegdverklaring"):
        services.start_clearance(org, volunteer, protocol, actor=instructor)
    db.session.rollback()
    assert _count(Clearance) == 1


def test_start_refuses_someone_who_is_not_a_volunteer_there(org, other_org, instructor, library):
    outsider = factories.user(factories.Role.VOLUNTEER, org=other_org)
    with pytest.raises(DomainError):
        services.start_clearance(org, outsider, library["walking_support"], actor=instructor)


def test_instructor_cannot_clear_themselves(org, instructor, library):
    factories.db.session.add(
        factories.Membership(
            user_id=instructor.id, organisation_id=org.id, role=factories.Role.VOLUNTEER
        )
    )
    db.session.commit()
    protocol = library["walking_support"]
    clearance = services.start_clearance(org, instructor, protocol, actor=instructor)
    with pytest.raises(DomainError, match="jezelf"):
        observe(clearance, services.current_version(protocol), instructor, on=DAY)


def test_revoking_needs_a_reason_and_then_says_no(org, volunteer, instructor, library):
    protocol = library["walking_support"]
    clearance = granted(org, volunteer, protocol, instructor)
    with pytest.raises(DomainError, match="waarom"):
        services.revoke_clearance(clearance, reason=" ", expected_version_id=None, actor=instructor)
    db.session.rollback()
    services.revoke_clearance(
        clearance,
        reason="Niet volgens protocol gewerkt.",
        expected_version_id=None,
        actor=instructor,
    )
    db.session.commit()
    verdict = services.check(org.id, volunteer, protocol, on=DAY)
    assert verdict.state == State.REVOKED and not verdict.allowed
    # a new clearance may be started after a revocation
    services.start_clearance(org, volunteer, protocol, actor=instructor)
    db.session.commit()
    assert services.check(org.id, volunteer, protocol, on=DAY).state == State.IN_PROGRESS


def test_vog_received_needs_an_issue_date_not_in_the_future(org, volunteer, coordinator):
    for issued_on in (None, date.today() + timedelta(days=1)):
        with pytest.raises(DomainError) as error:
            services.set_vog(
                org,
                volunteer,
                status=VogStatus.RECEIVED,
                requested_on=None,
                issued_on=issued_on,
                expected_version_id=None,
                actor=coordinator,
            )
        assert error.value.field == "issued_on"
        db.session.rollback()


def test_expiry_reminders_are_sent_once_to_volunteer_and_instructor(
    org, volunteer, instructor, library
):
    protocol = library["walking_support"]
    granted(org, volunteer, protocol, instructor, valid_until=DAY + timedelta(days=60))
    assert send_expiry_reminders(on=DAY + timedelta(days=29)) == 0  # 31 days left: not yet
    assert send_expiry_reminders(on=DAY + timedelta(days=30)) == 2
    db.session.commit()
    assert send_expiry_reminders(on=DAY + timedelta(days=30)) == 0  # same day, second run
    assert send_expiry_reminders(on=DAY + timedelta(days=40)) == 0  # once per period
    db.session.commit()
    recipients = sorted(db.session.scalars(select(OutboxMessage.to_address)))
    assert recipients == sorted([volunteer.email, instructor.email])
    body = db.session.scalar(
        select(OutboxMessage.body).where(OutboxMessage.to_address == volunteer.email)
    )
    assert "Ondersteunen bij lopen" in body and "/bevoegdheden/" in body


def test_vog_reminder_after_three_years_is_sent_once(org, volunteer, coordinator):
    issued = date(2023, 3, 1)
    vog(org, volunteer, coordinator, issued)
    assert send_vog_reminders(on=date(2025, 12, 1)) == 0
    assert send_vog_reminders(on=date(2026, 2, 15)) == 1  # within 30 days of three years
    db.session.commit()
    assert send_vog_reminders(on=date(2026, 3, 5)) == 0
    assert _count(OutboxMessage) == 1


def test_reminder_command_is_idempotent_on_the_same_day(app, org, volunteer, instructor, library):
    protocol = library["walking_support"]
    today = date.today()
    granted(org, volunteer, protocol, instructor, on=today, valid_until=today + timedelta(days=5))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["evc", "send-clearance-reminders"])
    assert first.exit_code == 0 and "2 clearance reminder(s)" in first.output
    second = runner.invoke(args=["evc", "send-clearance-reminders"])
    assert "0 clearance reminder(s)" in second.output
    assert _count(OutboxMessage) == 2


def test_api_token_is_stored_only_as_a_hash_and_can_be_revoked(org, coordinator):
    token, plain = services.create_api_token(org, "Rooster", actor=coordinator)
    db.session.commit()
    assert plain not in token.token_hash and len(token.token_hash) == 64
    assert services.find_api_token(plain) == token
    services.revoke_api_token(token, actor=coordinator)
    db.session.commit()
    assert services.find_api_token(plain) is None
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"api_token.created", "api_token.revoked"} <= actions
