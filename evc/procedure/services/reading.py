"""Reads the procedure's screens (and the dashboard) share: members with a role, whose
trajectories are running, a supervisor's trajectories and a trajectory's record of meetings
and phase changes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Membership, Organisation, Role, User
from evc.db import utcnow
from evc.extensions import db
from evc.procedure.models import (
    GroupAttendance,
    GroupMeeting,
    GuidanceSession,
    PhaseChange,
    Trajectory,
)
from evc.procedure.phases import ACTIVE_PHASES, Phase
from evc.procedure.services.meetings import MEETING_PHASES
from evc.procedure.settings import stalled_among

# --- people and their trajectories -------------------------------------------------------------


def people_with_role(organisation: Organisation, role: Role) -> list[User]:
    """The organisation's active members with ``role``, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == role,
                User.is_active_account.is_(True),
            )
            .order_by(User.display_name)
        )
    )


def volunteers_with_an_active_trajectory(organisation: Organisation) -> set[int]:
    """The members with an active trajectory, in whichever organisation it runs (one each)."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    return set(
        db.session.scalars(
            select(Trajectory.volunteer_id).where(
                Trajectory.volunteer_id.in_(members), Trajectory.phase.in_(ACTIVE_PHASES)
            )
        )
    )


def organisation_trajectories(
    organisation: Organisation, phase: str, supervisor_id: int | None
) -> Select[Trajectory]:
    """The organisation's trajectories (in ``phase`` and of ``supervisor_id`` when given), most
    recently active first, with the names the list shows: a query, for the paginator."""
    return (
        _filtered(organisation, phase, supervisor_id)
        .options(joinedload(Trajectory.volunteer), joinedload(Trajectory.supervisor))
        .order_by(Trajectory.last_activity_at.desc(), Trajectory.id.desc())
    )


def _filtered(
    organisation: Organisation, phase: str, supervisor_id: int | None
) -> Select[Trajectory]:
    query = select(Trajectory).where(Trajectory.organisation_id == organisation.id)
    if phase in {p.value for p in Phase}:
        query = query.where(Trajectory.phase == Phase(phase))
    if supervisor_id:
        query = query.where(Trajectory.supervisor_id == supervisor_id)
    return query


def latest_trajectory_of(volunteer: User) -> Trajectory | None:
    """The volunteer's active trajectory, else the most recent one."""
    return db.session.scalar(
        select(Trajectory)
        .where(Trajectory.volunteer_id == volunteer.id)
        .options(joinedload(Trajectory.supervisor))
        .order_by(Trajectory.phase.in_(ACTIVE_PHASES).desc(), Trajectory.id.desc())
        .limit(1)
    )


def supervised_by(supervisor: User) -> Sequence[Trajectory]:
    """The supervisor's trajectories with volunteer and organisation: active ones first, the
    longest quiet on top."""
    return db.session.scalars(
        select(Trajectory)
        .where(Trajectory.supervisor_id == supervisor.id)
        .options(joinedload(Trajectory.volunteer), joinedload(Trajectory.organisation))
        .order_by(Trajectory.phase.in_(ACTIVE_PHASES).desc(), Trajectory.last_activity_at)
    ).all()


def supervised_counts(supervisor: User) -> dict:
    """How many active trajectories the supervisor has, and how many have stalled."""
    rows = db.session.execute(
        select(Trajectory.last_activity_at, Trajectory.organisation_id).where(
            Trajectory.supervisor_id == supervisor.id,
            Trajectory.phase.in_(ACTIVE_PHASES),
            # only where they still are a supervisor, as on the list itself
            Trajectory.organisation_id.in_(supervisor.organisation_ids(Role.SUPERVISOR)),
        )
    ).all()
    return {"active": len(rows), "stalled": len(stalled_among(rows, utcnow()))}


def meeting_list(supervisor: User, organisation: Organisation) -> list[Trajectory]:
    """The supervisor's own volunteers in this organisation who still meet."""
    return list(
        db.session.scalars(
            select(Trajectory)
            .where(
                Trajectory.supervisor_id == supervisor.id,
                Trajectory.organisation_id == organisation.id,
                Trajectory.phase.in_(MEETING_PHASES),
            )
            .options(joinedload(Trajectory.volunteer))
            .order_by(Trajectory.id)
        )
    )


# --- a trajectory's record ---------------------------------------------------------------------


def sessions_of(trajectory: Trajectory) -> Sequence[GuidanceSession]:
    """The trajectory's guidance sessions, the latest first."""
    return db.session.scalars(
        select(GuidanceSession)
        .where(GuidanceSession.trajectory_id == trajectory.id)
        .order_by(GuidanceSession.held_on.desc(), GuidanceSession.id.desc())
    ).all()


def meetings_of(trajectory: Trajectory) -> Sequence:
    """The group meetings the trajectory was on the list of, with whether they were present."""
    return db.session.execute(
        select(GroupMeeting, GroupAttendance.present)
        .join(GroupAttendance, GroupAttendance.meeting_id == GroupMeeting.id)
        .where(GroupAttendance.trajectory_id == trajectory.id)
        .order_by(GroupMeeting.held_on.desc())
    ).all()


def history_of(trajectory: Trajectory) -> Sequence[PhaseChange]:
    """The trajectory's phase changes with who made them, in order."""
    return db.session.scalars(
        select(PhaseChange)
        .where(PhaseChange.trajectory_id == trajectory.id)
        .options(joinedload(PhaseChange.actor))
        .order_by(PhaseChange.id)
    ).all()
