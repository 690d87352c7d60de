"""The VOG, and the question "may this volunteer do this task on this date?" for one volunteer,
for the whole organisation (the matrix) and for clearances about to expire (who works where is
in ``people``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.models import Organisation, Role, User
from evc.audit import log_action
from evc.errors import DomainError, flush_or_stale, stale_edit
from evc.extensions import db
from evc.protocols.models import (
    Clearance,
    ClearanceStatus,
    ProtocolVersion,
    TaskProtocol,
    VogStatus,
    VolunteerVog,
)
from evc.protocols.services.library import current_version, protocols_with_versions
from evc.protocols.services.people import members_with_role, require_volunteer
from evc.protocols.status import Verdict, evaluate, local_today, missing_knowledge


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
    clearances = _clearances_by_cell(organisation_id)
    vogs = organisation_vogs(organisation_id)
    cells = {
        (person.id, protocol.id): evaluate(
            clearances.get((person.id, protocol.id)), version, vogs.get(person.id), on
        )
        for person in volunteers
        for protocol, version in protocols
    }
    return Matrix(volunteers, protocols, cells, clearances)


def _clearances_by_cell(organisation_id: int) -> dict[tuple[int, int], Clearance]:
    """The organisation's clearances by (volunteer, protocol), with their items; an open
    clearance wins over an older revoked one."""
    clearances: dict[tuple[int, int], Clearance] = {}
    rows = db.session.scalars(
        select(Clearance)
        .where(Clearance.organisation_id == organisation_id)
        .options(selectinload(Clearance.items))
        .order_by(Clearance.id)
    ).all()
    for clearance in rows:
        key = (clearance.volunteer_id, clearance.protocol_id)
        if key not in clearances or clearance.status != ClearanceStatus.REVOKED:
            clearances[key] = clearance
    return clearances


def expiring_clearances(organisation_id: int | None, on: date | None = None) -> list[Clearance]:
    """Granted clearances that expire within ``CLEARANCE_WARNING_DAYS`` (all organisations when
    ``organisation_id`` is None), soonest first."""
    on = on or local_today()
    horizon = on + timedelta(days=current_app.config["CLEARANCE_WARNING_DAYS"])
    query = _granted_until_within(on, horizon)
    if organisation_id is not None:
        query = query.where(Clearance.organisation_id == organisation_id)
    return list(db.session.scalars(query))


def _granted_until_within(on: date, horizon: date) -> Select[Clearance]:
    """Granted clearances valid after ``on`` until at most ``horizon``, soonest first, with
    what the reminder and the list show."""
    return (
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


def own_clearances(
    user: User, vogs: dict[int, VolunteerVog], on: date
) -> list[tuple[Clearance, ProtocolVersion, Verdict]]:
    """The person's own clearances, newest first, each with its current version and its
    verdict (``vogs``: the person's VOG records by organisation, see ``own_vogs``)."""
    own = _clearances_of(user)
    versions = _current_versions({c.protocol_id for c in own})
    return [
        (
            c,
            versions[c.protocol_id],
            evaluate(c, versions[c.protocol_id], vogs.get(c.organisation_id), on),
        )
        for c in own
    ]


def _clearances_of(user: User) -> Sequence[Clearance]:
    """The person's clearances, newest first, with their protocols and items."""
    return (
        db.session.scalars(
            select(Clearance)
            .where(Clearance.volunteer_id == user.id)
            .options(joinedload(Clearance.protocol), joinedload(Clearance.items))
            .order_by(Clearance.id.desc())
        )
        .unique()
        .all()
    )


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
    require_volunteer(organisation, volunteer)
    requested_on, issued_on = _vog_dates(status, requested_on, issued_on, on)
    record = _vog_to_write(organisation, volunteer, expected_version_id)
    _keep_vog(record, volunteer, status, requested_on, issued_on, actor)
    return record


def _vog_to_write(
    organisation: Organisation, volunteer: User, expected_version_id: int | None
) -> VolunteerVog:
    """The volunteer's VOG record, new if there is none; a stale form is refused."""
    record = vog_record(organisation.id, volunteer.id)
    if record is None:
        record = VolunteerVog(organisation_id=organisation.id, volunteer_id=volunteer.id)
        db.session.add(record)
    else:
        check_version(record, expected_version_id)
    return record


def _keep_vog(
    record: VolunteerVog,
    volunteer: User,
    status: VogStatus,
    requested_on: date | None,
    issued_on: date | None,
    actor: User,
) -> None:
    """The status and dates on ``record``, with the audit row about the volunteer."""
    record.status, record.requested_on, record.issued_on = status, requested_on, issued_on
    record.updated_by_id = actor.id
    flush_or_stale()
    log_action(
        "vog.updated",
        actor=actor,
        organisation_id=record.organisation_id,
        obj=volunteer,
        status=status.value,
        issued_on=issued_on.isoformat() if issued_on else None,
    )


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
