"""One clearance: starting it, the volunteer's acknowledgement, the instruction, granting and
revoking it, and taking a granted clearance into the portfolio as evidence.

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

from evc.accounts.models import Organisation, Role, User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale
from evc.extensions import db
from evc.portfolio import services as portfolio
from evc.protocols.loader import item_hash
from evc.protocols.models import (
    Clearance,
    ClearanceItem,
    ClearanceStatus,
    ItemKind,
    ProtocolVersion,
    TaskProtocol,
)
from evc.protocols.services.checks import (
    check_version,
    has_role,
    may_clear_reserved_acts,
    vog_for,
)
from evc.protocols.status import add_months, grant_blockers, local_today

MAX_REASON = 2000


def start_clearance(
    organisation: Organisation, volunteer: User, protocol: TaskProtocol, *, actor: User
) -> Clearance:
    """Open a clearance for a volunteer of the organisation; one open clearance per task."""
    if not has_role(volunteer, organisation.id, Role.VOLUNTEER):
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."), field="volunteer")
    if protocol.organisation_id != organisation.id:
        raise DomainError(_("Kies een protocol van deze organisatie."), field="protocol")
    clearance = Clearance(
        organisation_id=organisation.id,
        volunteer_id=volunteer.id,
        protocol_id=protocol.id,
        status=ClearanceStatus.IN_PROGRESS,
    )
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
    log_action("clearance.started", actor=actor, organisation_id=organisation.id, obj=clearance)
    return clearance


def _require_open(clearance: Clearance) -> None:
    if clearance.status == ClearanceStatus.REVOKED:
        raise DomainError(
            _("Deze bevoegdverklaring is ingetrokken. Er kan niets meer aan veranderen.")
        )


def _refuse_self(clearance: Clearance, actor) -> None:
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
    ticked = set(acknowledged)
    not_ticked = [text for text in version.know if item_hash(text) not in ticked]
    if not_ticked:
        raise DomainError(
            _("Bevestig elk punt. Lees het punt nog eens als iets niet duidelijk is."),
            field="items",
        )
    for text in version.know:
        _upsert_item(clearance, ItemKind.KNOW, text, done=True, on=on, note="", actor=actor)
    db.session.flush()
    log_action(
        "clearance.knowledge_acknowledged",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        version=version.number,
    )


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
    _require_open(clearance)
    check_version(clearance, expected_version_id)
    on = on or local_today()
    _refuse_self(clearance, actor)
    if instructed_on > on:
        raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field="instructed_on")
    _record_skills(clearance, version, observations, on, actor)
    _record_resources(clearance, version, confirmed_resources, on, actor)
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
        if seen.observed_on > on:
            raise DomainError(
                _("Deze datum mag niet in de toekomst liggen."), field=f"skill_{index}_on"
            )
        _upsert_item(
            clearance,
            ItemKind.SKILL,
            text,
            done=seen.demonstrated,
            on=seen.observed_on,
            note=seen.note[:2000],
            actor=actor,
        )


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
    _require_open(clearance)
    check_version(clearance, expected_version_id)
    on = on or local_today()
    _refuse_self(clearance, actor)
    _check_complete(clearance, version, actor, on)
    reference = _grant_terms(version, valid_until, client_reference, on)
    renewal = clearance.status == ClearanceStatus.GRANTED
    clearance.status = ClearanceStatus.GRANTED
    clearance.granted_version_id, clearance.granted_by_id = version.id, actor.id
    clearance.granted_on, clearance.valid_until = on, valid_until
    clearance.client_reference = reference
    clearance.expiry_reminder_for = None
    flush_or_stale()
    log_action(
        "clearance.renewed" if renewal else "clearance.granted",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        version=version.number,
        valid_until=valid_until.isoformat(),
        scoped=bool(reference),
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


def _grant_terms(version: ProtocolVersion, valid_until: date, client_reference: str, on: date):
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
    return reference


def revoke_clearance(
    clearance: Clearance, *, reason: str, expected_version_id: int | None, actor: User
) -> None:
    """Withdraw a clearance. A reason is required; it is kept and shown to the volunteer."""
    _require_open(clearance)
    check_version(clearance, expected_version_id)
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


# --- into the portfolio --------------------------------------------------------------------


def open_trajectory(volunteer: User):
    """The volunteer's trajectory in which evidence can be added now, or None."""
    return next(reversed(portfolio.open_portfolios(volunteer)), None)


def add_to_portfolio(clearance: Clearance, *, competency_id: str, actor: User):
    """The volunteer adds a granted clearance to their portfolio as evidence (a certificate)."""
    granted = clearance.status == ClearanceStatus.GRANTED
    version = clearance.granted_version if granted else None
    if version is None:
        raise DomainError(_("Alleen een gegeven bevoegdverklaring kan in je portfolio."))
    trajectory = open_trajectory(clearance.volunteer)
    if trajectory is None:
        raise DomainError(
            _("Je hebt geen lopend EVC-A-traject waarin je nu bewijs kunt toevoegen.")
        )
    lines = _certificate_lines(clearance, version)
    item = portfolio.add_evidence(
        trajectory,
        {
            "kind": "certificate",
            "title": _("Bevoegdverklaring: %(task)s", task=version.title)[:200],
            "description": "\n".join(lines),
            "activity_from": clearance.instructed_on or clearance.granted_on,
            "activity_to": clearance.granted_on,
            "work_context": db.session.get_one(Organisation, clearance.organisation_id).name,
        },
        [competency_id],
        upload=None,
        original_name=None,
        actor=actor,
    )
    log_action(
        "clearance.added_to_portfolio",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        evidence_id=item.id,
    )
    return item


def _certificate_lines(clearance: Clearance, version: ProtocolVersion) -> list[str]:
    """What the evidence says: the task, who instructed and judged it when, and the skills."""
    return [
        _(
            'Bevoegd verklaard voor de taak "%(task)s" (protocol versie %(version)d).',
            task=version.title,
            version=version.number,
        ),
        _(
            "Instructie en beoordeling door %(name)s op %(date)s.",
            name=clearance.granted_by.display_name if clearance.granted_by else "-",
            date=format_date(clearance.granted_on, "long"),
        ),
        _("Laten zien:") + " " + "; ".join(version.skills),
    ]
