"""Individual guidance sessions and group meetings, logged by the supervisor."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from evc.accounts.models import Organisation, User
from evc.audit import log_action
from evc.errors import DomainError
from evc.extensions import db
from evc.procedure.models import GroupAttendance, GroupMeeting, GuidanceSession, Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services.common import check_not_future, log_on_trajectory, touch

MEETING_PHASES = (Phase.INTAKE, Phase.RECOGNITION)


def log_guidance_session(
    trajectory: Trajectory,
    *,
    held_on: date,
    topics: str,
    shared_notes: str,
    private_notes: str,
    actor: User,
) -> GuidanceSession:
    """Log an individual guidance session (not in the future)."""
    _check_session(trajectory, held_on, topics)
    session = _new_session(trajectory, held_on, topics, shared_notes, private_notes, actor=actor)
    log_on_trajectory(trajectory, "guidance_session.logged", actor=actor)
    touch(trajectory)
    db.session.flush()
    return session


def _new_session(
    trajectory: Trajectory,
    held_on: date,
    topics: str,
    shared_notes: str,
    private_notes: str,
    *,
    actor: User,
) -> GuidanceSession:
    session = GuidanceSession(
        trajectory_id=trajectory.id,
        supervisor_id=actor.id,
        held_on=held_on,
        topics=topics.strip(),
        shared_notes=shared_notes.strip(),
        private_notes=private_notes.strip(),
    )
    db.session.add(session)
    return session


def _check_session(trajectory: Trajectory, held_on: date, topics: str) -> None:
    if trajectory.phase not in MEETING_PHASES:
        raise DomainError(_("Gesprekken kun je vastleggen tot het portfolio is ingediend."))
    check_not_future(held_on)
    if not topics.strip():
        raise DomainError(_("Schrijf op waarover jullie spraken."), field="topics")


def log_group_meeting(
    organisation: Organisation,
    *,
    held_on: date,
    topic: str,
    attendance: dict[int, bool],
    trajectories: list[Trajectory],
    actor: User,
) -> GroupMeeting:
    """Log a group meeting with presence per trajectory. ``trajectories`` are those the actor
    may record for (the view loads them through the actor's own supervision)."""
    listed = _checked_list(organisation, held_on, topic, attendance, trajectories)
    meeting = _new_meeting(organisation, held_on, topic, attendance, actor=actor)
    for trajectory in listed:
        touch(trajectory)
    _log_meeting(meeting, attendance, actor=actor)
    db.session.flush()
    return meeting


def _checked_list(
    organisation: Organisation,
    held_on: date,
    topic: str,
    attendance: dict[int, bool],
    trajectories: list[Trajectory],
) -> list[Trajectory]:
    """The trajectories on the attendance list, once the meeting passes the checks."""
    check_not_future(held_on)
    if not topic.strip():
        raise DomainError(_("Vul het onderwerp in."), field="topic")
    allowed = {t.id: t for t in trajectories if t.organisation_id == organisation.id}
    _check_attendance(attendance, allowed)
    return [allowed[tid] for tid in attendance]


def _new_meeting(
    organisation: Organisation,
    held_on: date,
    topic: str,
    attendance: dict[int, bool],
    *,
    actor: User,
) -> GroupMeeting:
    meeting = GroupMeeting(
        organisation_id=organisation.id,
        supervisor_id=actor.id,
        held_on=held_on,
        topic=topic.strip(),
    )
    meeting.attendances = [
        GroupAttendance(trajectory_id=tid, present=present) for tid, present in attendance.items()
    ]
    db.session.add(meeting)
    return meeting


def _log_meeting(meeting: GroupMeeting, attendance: dict[int, bool], *, actor: User) -> None:
    log_action(
        "group_meeting.logged",
        actor=actor,
        organisation_id=meeting.organisation_id,
        obj=meeting,
        attendees=sum(attendance.values()),
    )


def _check_attendance(attendance: dict[int, bool], allowed: dict[int, Trajectory]) -> None:
    if not attendance:
        raise DomainError(_("Vink aan wie aanwezig was."), field="present")
    if set(attendance) - set(allowed):
        raise DomainError(
            _(
                "Een van de aangevinkte vrijwilligers hoort niet (meer) bij deze lijst. Kijk de "
                "lijst na en sla opnieuw op."
            ),
            field="present",
        )
