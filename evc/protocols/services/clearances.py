"""One clearance: starting it, the volunteer's acknowledgement, the instruction, granting and
revoking it (taking a granted clearance into the portfolio is in ``evidence``).

Writes are ``verb_noun(..., actor=...)``: they check the domain rules, change state, write the
audit row and flush; the view or command commits. Dates come in as ``on`` (default: today in
the organisation's time zone), so tests can move the clock without patching anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from evc.accounts.models import Organisation, User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale
from evc.extensions import db
from evc.protocols.loader import item_hash
from evc.protocols.models import (
    Clearance,
    ClearanceItem,
    ClearanceStatus,
    ItemKind,
    ProtocolVersion,
    TaskProtocol,
)
from evc.protocols.services.checks import check_version, vog_for
from evc.protocols.services.people import may_clear_reserved_acts, require_volunteer
from evc.protocols.status import add_months, grant_blockers, local_today

MAX_REASON = 2000


def start_clearance(
    organisation: Organisation, volunteer: User, protocol: TaskProtocol, *, actor: User
) -> Clearance:
    """Open a clearance for a volunteer of the organisation; one open clearance per task."""
    require_volunteer(organisation, volunteer, field="volunteer")
    if protocol.organisation_id != organisation.id:
        raise DomainError(_("Kies een protocol van deze organisatie."), field="protocol")
    clearance = Clearance(
        organisation_id=organisation.id,
        volunteer_id=volunteer.id,
        protocol_id=protocol.id,
        status=ClearanceStatus.IN_PROGRESS,
    )
    _add_only_open_clearance(clearance, volunteer)
    log_action("clearance.started", actor=actor, organisation_id=organisation.id, obj=clearance)
    return clearance


def _add_only_open_clearance(clearance: Clearance, volunteer: User) -> None:
    """Store the new clearance; the database refuses a second open one for the same task."""
    try:
        with db.session.begin_nested():
            db.session.add(clearance)
            db.session.flush()
    except IntegrityError as error:
        raise DomainError(
            _(
                "%(name)s heeft al een bevoegdverklaring voor deze taak. Open die om verder "
                "te gaan.",
                name=volunteer.display_name,
            ),
            field="protocol",
        ) from error


def _require_open(clearance: Clearance) -> None:
    if clearance.status == ClearanceStatus.REVOKED:
        raise DomainError(
            _("Deze bevoegdverklaring is ingetrokken. Er kan niets meer aan veranderen.")
        )


def _require_open_and_current(clearance: Clearance, expected_version_id: int | None) -> None:
    """Not revoked, and the form was based on the clearance as it is stored now."""
    _require_open(clearance)
    check_version(clearance, expected_version_id)


def _require_instructor_may_write(
    clearance: Clearance, expected_version_id: int | None, actor: User
) -> None:
    """What an instructor's write needs: an open, current clearance of someone else."""
    _require_open_and_current(clearance, expected_version_id)
    if clearance.volunteer_id == actor.id:
        raise DomainError(_("Je kunt jezelf niet instrueren of bevoegd verklaren."))


def _upsert_item(
    clearance: Clearance, kind: ItemKind, text: str, *, done: bool, on: date, note: str, actor
) -> None:
    key = item_hash(text)
    item = clearance.item(kind, key)
    if item is None:
        item = ClearanceItem(kind=kind, item_hash=key, text=text[:300])
        clearance.items.append(item)
    item.done, item.happened_on, item.note = done, on, note.strip()
    item.actor_id, item.recorded_at = actor.id, utcnow()


def acknowledge_knowledge(
    clearance: Clearance,
    version: ProtocolVersion,
    acknowledged: Iterable[str],
    *,
    actor: User,
    on: date | None = None,
) -> None:
    """The volunteer confirms each knowledge item of the current version; all are needed."""
    _require_open(clearance)
    on = on or local_today()
    _require_every_item_ticked(version, set(acknowledged))
    _tick_every_item(clearance, version, on, actor)
    log_action(
        "clearance.knowledge_acknowledged",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        version=version.number,
    )


def _require_every_item_ticked(version: ProtocolVersion, ticked: set[str]) -> None:
    if any(item_hash(text) not in ticked for text in version.know):
        raise DomainError(
            _("Bevestig elk punt. Lees het punt nog eens als iets niet duidelijk is."),
            field="items",
        )


def _tick_every_item(clearance: Clearance, version: ProtocolVersion, on: date, actor: User) -> None:
    for text in version.know:
        _upsert_item(clearance, ItemKind.KNOW, text, done=True, on=on, note="", actor=actor)
    db.session.flush()


@dataclass
class Observation:
    demonstrated: bool | None  # None: not observed this time
    observed_on: date | None
    note: str


def record_instruction(
    clearance: Clearance,
    version: ProtocolVersion,
    *,
    instructed_on: date,
    observations: dict[str, Observation],
    confirmed_resources: set[str],
    expected_version_id: int | None,
    actor: User,
    on: date | None = None,
) -> None:
    """The instructor records the instruction, what they saw of each skill and which resources
    the volunteer has. Dates may not lie in the future."""
    _require_instructor_may_write(clearance, expected_version_id, actor)
    on = on or local_today()
    _require_not_after(instructed_on, on, "instructed_on")
    _record_skills(clearance, version, observations, on, actor)
    _record_resources(clearance, version, confirmed_resources, on, actor)
    _record_instructor(clearance, version, instructed_on, actor)


def _record_instructor(
    clearance: Clearance, version: ProtocolVersion, instructed_on: date, actor: User
) -> None:
    """Who instructed and when, with the audit row of the instruction."""
    clearance.instructor_id, clearance.instructed_on = actor.id, instructed_on
    flush_or_stale()
    log_action(
        "clearance.instruction_recorded",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        version=version.number,
        instructed_on=instructed_on.isoformat(),
    )


def _record_skills(
    clearance: Clearance, version: ProtocolVersion, observations: dict, on: date, actor
) -> None:
    """What the instructor saw of each skill; a skill not seen this time is left as it was."""
    for index, text in enumerate(version.skills):
        seen = observations.get(item_hash(text))
        if seen is None or seen.demonstrated is None:
            continue
        if seen.observed_on is None:
            raise DomainError(_("Vul in wanneer je dit zag."), field=f"skill_{index}_on")
        _require_not_after(seen.observed_on, on, f"skill_{index}_on")
        _upsert_item(
            clearance,
            ItemKind.SKILL,
            text,
            done=seen.demonstrated,
            on=seen.observed_on,
            note=seen.note[:2000],
            actor=actor,
        )


def _require_not_after(day: date, on: date, field: str) -> None:
    if day > on:
        raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field=field)


def _record_resources(
    clearance: Clearance, version: ProtocolVersion, confirmed: set[str], on: date, actor
) -> None:
    """The resources the volunteer has; one confirmed before and now not is recorded as not."""
    for text in version.confirmable_resources:
        has = item_hash(text) in confirmed
        existing = clearance.item(ItemKind.RESOURCE, item_hash(text))
        if has or existing is not None:
            _upsert_item(clearance, ItemKind.RESOURCE, text, done=has, on=on, note="", actor=actor)


def latest_valid_until(version: ProtocolVersion, on: date) -> date:
    return add_months(on, version.validity_months)


def grant_clearance(
    clearance: Clearance,
    version: ProtocolVersion,
    *,
    valid_until: date,
    client_reference: str,
    expected_version_id: int | None,
    actor: User,
    on: date | None = None,
) -> None:
    """Grant (or renew) the clearance. Needs every knowledge item acknowledged, the instruction,
    every skill demonstrated (for a renewal: seen again since the last grant), every resource,
    a valid VOG where the protocol asks for one, and for a reserved act an authorised
    instructor. ``valid_until`` lies after today and at most the protocol's validity ahead."""
    _require_instructor_may_write(clearance, expected_version_id, actor)
    on = on or local_today()
    _check_complete(clearance, version, actor, on)
    terms = _grant_terms(version, valid_until, client_reference, on)
    _record_grant(clearance, version, terms, actor)


@dataclass(frozen=True)
class GrantTerms:
    """A grant holds from ``on`` until ``valid_until``, for one client or (reference "") all."""

    on: date
    valid_until: date
    client_reference: str


def _record_grant(
    clearance: Clearance, version: ProtocolVersion, terms: GrantTerms, actor: User
) -> None:
    """The clearance holds on ``terms``; the audit row says whether it was a renewal."""
    renewal = clearance.status == ClearanceStatus.GRANTED
    clearance.status = ClearanceStatus.GRANTED
    clearance.granted_version_id, clearance.granted_by_id = version.id, actor.id
    clearance.granted_on, clearance.valid_until = terms.on, terms.valid_until
    clearance.client_reference = terms.client_reference
    clearance.expiry_reminder_for = None
    flush_or_stale()
    log_action(
        "clearance.renewed" if renewal else "clearance.granted",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        version=version.number,
        valid_until=terms.valid_until.isoformat(),
        scoped=bool(terms.client_reference),
    )


def _check_complete(clearance: Clearance, version: ProtocolVersion, actor, on: date) -> None:
    """A reserved act needs an authorised instructor; every clearance needs nothing missing."""
    if version.reserved_act and not may_clear_reserved_acts(actor, clearance.organisation_id):
        raise DomainError(
            _(
                "Dit is een voorbehouden handeling. Alleen een instructeur die de coördinator "
                "daarvoor bevoegd heeft gemaakt, kan deze bevoegdverklaring geven."
            )
        )
    blockers = grant_blockers(clearance, version, vog_for(clearance), on)
    if blockers:
        raise DomainError(
            _("Dit ontbreekt nog: %(items)s", items="; ".join(m.text for m in blockers))
        )


def _grant_terms(
    version: ProtocolVersion, valid_until: date, client_reference: str, on: date
) -> GrantTerms:
    """``valid_until`` after today and within the protocol's validity; the client reference
    (at most 40 characters, spaces tidied) as it is kept."""
    latest = latest_valid_until(version, on)
    if valid_until <= on:
        raise DomainError(_("Kies een datum na vandaag."), field="valid_until")
    if valid_until > latest:
        raise DomainError(
            _(
                "Dit protocol geldt hoogstens %(months)d maanden. Kies %(date)s of eerder.",
                months=version.validity_months,
                date=format_date(latest, "long"),
            ),
            field="valid_until",
        )
    reference = " ".join((client_reference or "").split())
    if len(reference) > 40:
        raise DomainError(_("Gebruik hoogstens 40 tekens."), field="client_reference")
    return GrantTerms(on, valid_until, reference)


def revoke_clearance(
    clearance: Clearance, *, reason: str, expected_version_id: int | None, actor: User
) -> None:
    """Withdraw a clearance. A reason is required; it is kept and shown to the volunteer."""
    _require_open_and_current(clearance, expected_version_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Schrijf op waarom je de bevoegdverklaring intrekt."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_("Gebruik hoogstens 2000 tekens."), field="reason")
    clearance.status = ClearanceStatus.REVOKED
    clearance.revoked_at, clearance.revoked_by_id = utcnow(), actor.id
    clearance.revoke_reason = reason
    flush_or_stale()
    log_action(
        "clearance.revoked", actor=actor, organisation_id=clearance.organisation_id, obj=clearance
    )
