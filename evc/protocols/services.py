"""Writes and reads of care-task protocols and clearances.

Writes are ``verb_noun(..., actor=...)``: they check the domain rules, change state, write the
audit row and flush; the view or command commits. Dates come in as ``on`` (default: today in
the organisation's time zone), so tests can move the clock without patching anything.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from evc.accounts.models import Membership, Organisation, Role, User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.protocols.loader import (
    ProtocolError,
    ProtocolSpec,
    item_hash,
    parse_protocol,
    protocol_library,
)
from evc.protocols.models import (
    ApiToken,
    Clearance,
    ClearanceItem,
    ClearanceStatus,
    ItemKind,
    ProtocolVersion,
    ReservedActAuthorisation,
    TaskProtocol,
    VogStatus,
    VolunteerVog,
)
from evc.protocols.status import (
    Verdict,
    add_months,
    evaluate,
    grant_blockers,
    local_today,
    missing_knowledge,
)

MAX_REASON = 2000


# --- protocols -----------------------------------------------------------------------------


def _new_version(protocol: TaskProtocol, spec: ProtocolSpec, number: int, actor) -> ProtocolVersion:
    version = ProtocolVersion(
        protocol=protocol,
        number=number,
        title=spec.title,
        description=spec.description,
        setting=spec.setting,
        risk_level=spec.risk_level,
        reserved_act=spec.reserved_act,
        validity_months=spec.validity_months,
        instructed_by=spec.instructed_by,
        know=list(spec.know),
        skills=list(spec.skills),
        resources=[{"kind": r.kind.value, "text": r.text} for r in spec.resources],
        stop_and_call=list(spec.stop_and_call),
        published_by_id=getattr(actor, "id", None),
    )
    db.session.add(version)
    return version


def add_protocol(organisation: Organisation, spec: ProtocolSpec, *, actor) -> TaskProtocol:
    """A new protocol in ``organisation``, published as version 1. The key must be new there."""
    exists = db.session.scalar(
        select(TaskProtocol.id).where(
            TaskProtocol.organisation_id == organisation.id, TaskProtocol.key == spec.key
        )
    )
    if exists:
        raise DomainError(
            _("Er is al een protocol met de code %(key)s.", key=spec.key), field="key"
        )
    protocol = TaskProtocol(organisation_id=organisation.id, key=spec.key, latest_number=1)
    db.session.add(protocol)
    _new_version(protocol, spec, 1, actor)
    db.session.flush()
    log_action(
        "protocol.added",
        actor=actor,
        organisation_id=organisation.id,
        obj=protocol,
        key=spec.key,
        version=1,
    )
    return protocol


def import_library(organisation: Organisation, *, actor) -> list[TaskProtocol]:
    """Take over every protocol of the seed library the organisation does not have yet."""
    have = set(
        db.session.scalars(
            select(TaskProtocol.key).where(TaskProtocol.organisation_id == organisation.id)
        )
    )
    return [
        add_protocol(organisation, spec, actor=actor)
        for key, spec in sorted(protocol_library().items())
        if key not in have
    ]


def publish_version(
    protocol: TaskProtocol, spec: ProtocolSpec, *, expected_version_id: int | None, actor
) -> ProtocolVersion:
    """Publish the next version. Clearances whose knowledge items changed then show
    "opnieuw bevestigen nodig" until the volunteer acknowledges again."""
    if spec.key != protocol.key:
        raise DomainError(_("De code van een protocol kan niet veranderen."), field="key")
    if expected_version_id is not None and expected_version_id != protocol.version_id:
        raise stale_edit()
    previous = current_version(protocol)
    number = protocol.latest_number + 1
    protocol.latest_number = number
    version = _new_version(protocol, spec, number, actor)
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError) as error:
        raise stale_edit() from error
    log_action(
        "protocol.version_published",
        actor=actor,
        organisation_id=protocol.organisation_id,
        obj=protocol,
        version=number,
        knowledge_changed=_hashes(previous.know) != _hashes(spec.know),
    )
    return version


def _hashes(items: Iterable[str]) -> set[str]:
    return {item_hash(text) for text in items}


def spec_from_form(data: dict) -> ProtocolSpec:
    """Validate form input with the same schema as the files; a problem names the field."""
    try:
        return parse_protocol(data, "(formulier)")
    except ProtocolError as error:
        field = error.key.split("[")[0].split(".")[0]
        raise DomainError(
            _("Controleer dit veld: %(problem)s", problem=error.problem), field=field
        ) from error


def current_version(protocol: TaskProtocol) -> ProtocolVersion:
    return db.session.scalar(
        select(ProtocolVersion).where(
            ProtocolVersion.protocol_id == protocol.id,
            ProtocolVersion.number == protocol.latest_number,
        )
    )


def protocols_with_versions(organisation_id: int) -> list[tuple[TaskProtocol, ProtocolVersion]]:
    """The organisation's protocols with their current versions, by title, in one query."""
    rows = db.session.execute(
        select(TaskProtocol, ProtocolVersion)
        .join(
            ProtocolVersion,
            and_(
                ProtocolVersion.protocol_id == TaskProtocol.id,
                ProtocolVersion.number == TaskProtocol.latest_number,
            ),
        )
        .where(TaskProtocol.organisation_id == organisation_id)
        .order_by(ProtocolVersion.title, TaskProtocol.id)
    ).all()
    return [(protocol, version) for protocol, version in rows]


# --- people --------------------------------------------------------------------------------


def members_with_role(organisation_id: int, role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == role,
                User.is_active_account.is_(True),
            )
            .order_by(User.display_name, User.id)
        )
    )


def has_role(user: User, organisation_id: int, role: Role) -> bool:
    return bool(
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organisation_id == organisation_id,
                Membership.role == role,
            )
        )
    )


def may_clear_reserved_acts(user: User, organisation_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(ReservedActAuthorisation.id).where(
                ReservedActAuthorisation.organisation_id == organisation_id,
                ReservedActAuthorisation.user_id == user.id,
            )
        )
    )


def set_reserved_act_authorisation(
    organisation: Organisation, instructor: User, authorised: bool, *, actor: User
) -> None:
    """Mark (or unmark) an instructor as authorised to clear reserved acts."""
    if not has_role(instructor, organisation.id, Role.INSTRUCTOR):
        raise DomainError(
            _("Alleen een instructeur kan bevoegd worden voor voorbehouden handelingen.")
        )
    current = db.session.scalar(
        select(ReservedActAuthorisation).where(
            ReservedActAuthorisation.organisation_id == organisation.id,
            ReservedActAuthorisation.user_id == instructor.id,
        )
    )
    if authorised and current is None:
        db.session.add(
            ReservedActAuthorisation(
                organisation_id=organisation.id, user_id=instructor.id, granted_by_id=actor.id
            )
        )
    elif not authorised and current is not None:
        db.session.delete(current)
    else:
        return
    db.session.flush()
    log_action(
        "instructor.reserved_acts_authorised"
        if authorised
        else "instructor.reserved_acts_withdrawn",
        actor=actor,
        organisation_id=organisation.id,
        obj=instructor,
    )


# --- clearances ----------------------------------------------------------------------------


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


def _check_version(clearance: Clearance, expected_version_id: int | None) -> None:
    if expected_version_id is not None and expected_version_id != clearance.version_id:
        raise stale_edit()


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
    _check_version(clearance, expected_version_id)
    on = on or local_today()
    if clearance.volunteer_id == actor.id:
        raise DomainError(_("Je kunt jezelf niet instrueren of bevoegd verklaren."))
    if instructed_on > on:
        raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field="instructed_on")
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
    for text in version.confirmable_resources:
        confirmed = item_hash(text) in confirmed_resources
        existing = clearance.item(ItemKind.RESOURCE, item_hash(text))
        if confirmed or existing is not None:
            _upsert_item(
                clearance, ItemKind.RESOURCE, text, done=confirmed, on=on, note="", actor=actor
            )
    clearance.instructor_id, clearance.instructed_on = actor.id, instructed_on
    _flush_or_stale()
    log_action(
        "clearance.instruction_recorded",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        version=version.number,
        instructed_on=instructed_on.isoformat(),
    )


def _flush_or_stale() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise stale_edit() from error


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
    _check_version(clearance, expected_version_id)
    on = on or local_today()
    if clearance.volunteer_id == actor.id:
        raise DomainError(_("Je kunt jezelf niet instrueren of bevoegd verklaren."))
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
    renewal = clearance.status == ClearanceStatus.GRANTED
    clearance.status = ClearanceStatus.GRANTED
    clearance.granted_version_id, clearance.granted_by_id = version.id, actor.id
    clearance.granted_on, clearance.valid_until = on, valid_until
    clearance.client_reference = reference
    clearance.expiry_reminder_for = None
    _flush_or_stale()
    log_action(
        "clearance.renewed" if renewal else "clearance.granted",
        actor=actor,
        organisation_id=clearance.organisation_id,
        obj=clearance,
        version=version.number,
        valid_until=valid_until.isoformat(),
        scoped=bool(reference),
    )


def revoke_clearance(
    clearance: Clearance, *, reason: str, expected_version_id: int | None, actor: User
) -> None:
    """Withdraw a clearance. A reason is required; it is kept and shown to the volunteer."""
    _require_open(clearance)
    _check_version(clearance, expected_version_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Schrijf op waarom je de bevoegdverklaring intrekt."), field="reason")
    if len(reason) > MAX_REASON:
        raise DomainError(_("Gebruik hoogstens 2000 tekens."), field="reason")
    clearance.status = ClearanceStatus.REVOKED
    clearance.revoked_at, clearance.revoked_by_id = utcnow(), actor.id
    clearance.revoke_reason = reason
    _flush_or_stale()
    log_action(
        "clearance.revoked", actor=actor, organisation_id=clearance.organisation_id, obj=clearance
    )


def clearance_for(volunteer_id: int, protocol_id: int) -> Clearance | None:
    """The open clearance, else the most recently revoked one (so "revoked" can be said)."""
    return db.session.scalar(
        select(Clearance)
        .where(Clearance.volunteer_id == volunteer_id, Clearance.protocol_id == protocol_id)
        .options(selectinload(Clearance.items))
        .order_by((Clearance.status == ClearanceStatus.REVOKED).asc(), Clearance.id.desc())
        .limit(1)
    )


def vog_for(clearance: Clearance) -> VolunteerVog | None:
    return vog_record(clearance.organisation_id, clearance.volunteer_id)


def vog_record(organisation_id: int, volunteer_id: int) -> VolunteerVog | None:
    return db.session.scalar(
        select(VolunteerVog).where(
            VolunteerVog.organisation_id == organisation_id,
            VolunteerVog.volunteer_id == volunteer_id,
        )
    )


def check(
    organisation_id: int,
    volunteer: User,
    protocol: TaskProtocol,
    *,
    on: date | None = None,
    client: str = "",
) -> Verdict:
    """May ``volunteer`` do ``protocol``'s task on ``on`` (for ``client``)? Four queries."""
    on = on or local_today()
    return evaluate(
        clearance_for(volunteer.id, protocol.id),
        current_version(protocol),
        vog_record(organisation_id, volunteer.id),
        on,
        client=client,
    )


def needs_reacknowledgement(clearance: Clearance, version: ProtocolVersion) -> bool:
    return (
        clearance.status != ClearanceStatus.REVOKED
        and clearance.granted_on is not None
        and bool(missing_knowledge(clearance, version))
    )


@dataclass
class Matrix:
    volunteers: list[User]
    protocols: list[tuple[TaskProtocol, ProtocolVersion]]
    cells: dict[tuple[int, int], Verdict]
    clearances: dict[tuple[int, int], Clearance]


def matrix(organisation_id: int, on: date | None = None) -> Matrix:
    """Volunteers × tasks with a verdict per cell; a fixed number of queries for any size."""
    on = on or local_today()
    volunteers = members_with_role(organisation_id, Role.VOLUNTEER)
    protocols = protocols_with_versions(organisation_id)
    clearances: dict[tuple[int, int], Clearance] = {}
    rows = db.session.scalars(
        select(Clearance)
        .where(Clearance.organisation_id == organisation_id)
        .options(selectinload(Clearance.items))
        .order_by(Clearance.id)
    ).all()
    for clearance in rows:  # an open clearance wins over an older revoked one
        key = (clearance.volunteer_id, clearance.protocol_id)
        if key not in clearances or clearance.status != ClearanceStatus.REVOKED:
            clearances[key] = clearance
    vogs = {
        v.volunteer_id: v
        for v in db.session.scalars(
            select(VolunteerVog).where(VolunteerVog.organisation_id == organisation_id)
        )
    }
    cells = {
        (person.id, protocol.id): evaluate(
            clearances.get((person.id, protocol.id)), version, vogs.get(person.id), on
        )
        for person in volunteers
        for protocol, version in protocols
    }
    return Matrix(volunteers, protocols, cells, clearances)


def expiring_clearances(organisation_id: int | None, on: date | None = None) -> list[Clearance]:
    """Granted clearances that expire within ``CLEARANCE_WARNING_DAYS`` (all organisations when
    ``organisation_id`` is None), soonest first."""
    on = on or local_today()
    horizon = on + timedelta(days=current_app.config["CLEARANCE_WARNING_DAYS"])
    query = (
        select(Clearance)
        .where(
            Clearance.status == ClearanceStatus.GRANTED,
            Clearance.valid_until > on,
            Clearance.valid_until <= horizon,
        )
        .options(
            selectinload(Clearance.volunteer),
            selectinload(Clearance.granted_by),
            selectinload(Clearance.granted_version),
        )
        .order_by(Clearance.valid_until, Clearance.id)
    )
    if organisation_id is not None:
        query = query.where(Clearance.organisation_id == organisation_id)
    return list(db.session.scalars(query))


# --- VOG -----------------------------------------------------------------------------------


def set_vog(
    organisation: Organisation,
    volunteer: User,
    *,
    status: VogStatus,
    requested_on: date | None,
    issued_on: date | None,
    expected_version_id: int | None,
    actor: User,
    on: date | None = None,
) -> VolunteerVog:
    """Record the VOG's status and dates (never the document itself)."""
    on = on or local_today()
    if not has_role(volunteer, organisation.id, Role.VOLUNTEER):
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."))
    for name, value in (("requested_on", requested_on), ("issued_on", issued_on)):
        if value is not None and value > on:
            raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field=name)
    if status == VogStatus.RECEIVED and issued_on is None:
        raise DomainError(_("Vul de datum van afgifte in die op de VOG staat."), field="issued_on")
    if status != VogStatus.RECEIVED:
        issued_on = None
    if status == VogStatus.NOT_REQUESTED:
        requested_on = None
    record = vog_record(organisation.id, volunteer.id)
    if record is None:
        record = VolunteerVog(organisation_id=organisation.id, volunteer_id=volunteer.id)
        db.session.add(record)
    else:
        _check_version(record, expected_version_id)
    record.status, record.requested_on, record.issued_on = status, requested_on, issued_on
    record.updated_by_id = actor.id
    _flush_or_stale()
    log_action(
        "vog.updated",
        actor=actor,
        organisation_id=organisation.id,
        obj=volunteer,
        status=status.value,
        issued_on=issued_on.isoformat() if issued_on else None,
    )
    return record


# --- API tokens ----------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(organisation: Organisation, name: str, *, actor: User) -> tuple[ApiToken, str]:
    """A new token for a scheduling tool; the plain token is returned once and never stored."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(
            _("Geef de sleutel een naam, bijvoorbeeld de naam van het roosterprogramma."),
            field="name",
        )
    plain = "evc_" + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation_id=organisation.id,
        name=name[:100],
        token_hash=token_digest(plain),
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    log_action(
        "api_token.created",
        actor=actor,
        organisation_id=organisation.id,
        obj=token,
        name=token.name,
    )
    return token, plain


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is not None:
        raise DomainError(_("Deze sleutel is al ingetrokken."))
    token.revoked_at, token.revoked_by_id = utcnow(), actor.id
    db.session.flush()
    log_action("api_token.revoked", actor=actor, organisation_id=token.organisation_id, obj=token)


def find_api_token(plain: str) -> ApiToken | None:
    """The active token with this value, or None (unknown and revoked look the same)."""
    if not plain or len(plain) > 200:
        return None
    return db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_digest(plain), ApiToken.revoked_at.is_(None)
        )
    )


# --- into the portfolio --------------------------------------------------------------------


def open_trajectory(volunteer: User):
    """The volunteer's trajectory in which evidence can be added now, or None."""
    from evc.portfolio.services import EDITABLE_PHASES
    from evc.procedure.models import Trajectory

    return db.session.scalar(
        select(Trajectory)
        .where(Trajectory.volunteer_id == volunteer.id, Trajectory.phase.in_(EDITABLE_PHASES))
        .order_by(Trajectory.id.desc())
        .limit(1)
    )


def add_to_portfolio(clearance: Clearance, *, competency_id: str, actor: User):
    """The volunteer adds a granted clearance to their portfolio as evidence (a certificate)."""
    from evc.portfolio import services as portfolio

    if clearance.status != ClearanceStatus.GRANTED:
        raise DomainError(_("Alleen een gegeven bevoegdverklaring kan in je portfolio."))
    trajectory = open_trajectory(clearance.volunteer)
    if trajectory is None:
        raise DomainError(
            _("Je hebt geen lopend EVC-A-traject waarin je nu bewijs kunt toevoegen.")
        )
    version = clearance.granted_version
    lines = [
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
    item = portfolio.add_evidence(
        trajectory,
        {
            "kind": "certificate",
            "title": _("Bevoegdverklaring: %(task)s", task=version.title)[:200],
            "description": "\n".join(lines),
            "activity_from": clearance.instructed_on or clearance.granted_on,
            "activity_to": clearance.granted_on,
            "work_context": db.session.get(Organisation, clearance.organisation_id).name,
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
