"""Who works where, the VOG, and the question "may this volunteer do this task on this date?"
for one volunteer, for the whole organisation (the matrix) and for clearances about to expire."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.models import Membership, Organisation, Role, User
from evc.audit import log_action
from evc.errors import DomainError, flush_or_stale, stale_edit
from evc.extensions import db
from evc.protocols.models import (
    Clearance,
    ClearanceStatus,
    ProtocolVersion,
    ReservedActAuthorisation,
    TaskProtocol,
    VogStatus,
    VolunteerVog,
)
from evc.protocols.services.library import current_version, protocols_with_versions
from evc.protocols.status import Verdict, evaluate, local_today, missing_knowledge

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


def volunteer_of(organisation_id: int, user_id: int | None) -> User | None:
    """The volunteer ``user_id`` of the organisation, or None for anyone else."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == (user_id or 0),
            Membership.organisation_id == organisation_id,
            Membership.role == Role.VOLUNTEER,
        )
        .limit(1)
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


def reserved_act_instructors(organisation_id: int) -> set[int]:
    """The ids of the organisation's instructors who may clear reserved acts."""
    query = select(ReservedActAuthorisation.user_id).where(
        ReservedActAuthorisation.organisation_id == organisation_id
    )
    return set(db.session.scalars(query))


def check_version(record, expected_version_id: int | None) -> None:
    """A form based on an older version of ``record`` is a stale save."""
    if expected_version_id is not None and expected_version_id != record.version_id:
        raise stale_edit()


# --- the question ----------------------------------------------------------------------------


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


def own_clearances(
    user: User, vogs: dict[int, VolunteerVog], on: date
) -> list[tuple[Clearance, ProtocolVersion, Verdict]]:
    """The person's own clearances, newest first, each with its current version and its
    verdict (``vogs``: the person's VOG records by organisation, see ``own_vogs``)."""
    own = (
        db.session.scalars(
            select(Clearance)
            .where(Clearance.volunteer_id == user.id)
            .options(joinedload(Clearance.protocol), joinedload(Clearance.items))
            .order_by(Clearance.id.desc())
        )
        .unique()
        .all()
    )
    versions = _current_versions({c.protocol_id for c in own})
    return [
        (
            c,
            versions[c.protocol_id],
            evaluate(c, versions[c.protocol_id], vogs.get(c.organisation_id), on),
        )
        for c in own
    ]


def own_vogs(user: User) -> dict[int, VolunteerVog]:
    """The person's VOG records by organisation."""
    query = select(VolunteerVog).where(VolunteerVog.volunteer_id == user.id)
    return {v.organisation_id: v for v in db.session.scalars(query)}


def _current_versions(protocol_ids: set[int]) -> dict[int, ProtocolVersion]:
    if not protocol_ids:
        return {}
    rows = db.session.execute(
        select(TaskProtocol.id, ProtocolVersion)
        .join(ProtocolVersion, ProtocolVersion.protocol_id == TaskProtocol.id)
        .where(
            TaskProtocol.id.in_(protocol_ids),
            ProtocolVersion.number == TaskProtocol.latest_number,
        )
    ).all()
    return {protocol_id: version for protocol_id, version in rows}


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
    requested_on, issued_on = _vog_dates(status, requested_on, issued_on, on)
    record = vog_record(organisation.id, volunteer.id)
    if record is None:
        record = VolunteerVog(organisation_id=organisation.id, volunteer_id=volunteer.id)
        db.session.add(record)
    else:
        check_version(record, expected_version_id)
    record.status, record.requested_on, record.issued_on = status, requested_on, issued_on
    record.updated_by_id = actor.id
    flush_or_stale()
    log_action(
        "vog.updated",
        actor=actor,
        organisation_id=organisation.id,
        obj=volunteer,
        status=status.value,
        issued_on=issued_on.isoformat() if issued_on else None,
    )
    return record


def _vog_dates(status: VogStatus, requested_on, issued_on, on: date):
    """The dates kept for ``status``: none in the future, the issue date only (and then
    always) for a received VOG, the request date only once it is requested."""
    for name, value in (("requested_on", requested_on), ("issued_on", issued_on)):
        if value is not None and value > on:
            raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field=name)
    if status == VogStatus.RECEIVED and issued_on is None:
        raise DomainError(_("Vul de datum van afgifte in die op de VOG staat."), field="issued_on")
    if status != VogStatus.RECEIVED:
        issued_on = None
    if status == VogStatus.NOT_REQUESTED:
        requested_on = None
    return requested_on, issued_on


def organisation_vogs(organisation_id: int) -> dict[int, VolunteerVog]:
    """The VOG records of an organisation by volunteer."""
    query = select(VolunteerVog).where(VolunteerVog.organisation_id == organisation_id)
    return {v.volunteer_id: v for v in db.session.scalars(query)}
