"""Writes of the EVC-A procedure. ``advance_phase`` is the only code that assigns a phase.

Every function checks the domain rules, changes state, writes the audit row and flushes; the
view commits once. Mail goes to the outbox in the same transaction.
"""

from __future__ import annotations

from datetime import date

from blinker import Namespace
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from evc.accounts.models import Membership, Organisation, Role, User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import ConcurrentEdit, DomainError, stale_edit
from evc.extensions import db
from evc.framework import current_framework
from evc.mail import absolute_url, queue_mail
from evc.procedure.models import (
    STARR_FIELDS,
    CompetencyChoice,
    GroupAttendance,
    GroupMeeting,
    GuidanceSession,
    Intake,
    PhaseChange,
    SelfAssessment,
    Trajectory,
)
from evc.procedure.phases import Phase, transition, unmet_guards
from evc.procedure.progress import load_progress

_signals = Namespace()
# Sent after a portfolio is (re)submitted, inside the transaction: other domains react to it
# (the assessment tells an assessor who returned it that it is back).
trajectory_submitted = _signals.signal("trajectory-submitted")


def _touch(trajectory: Trajectory) -> None:
    trajectory.last_activity_at = utcnow()
    trajectory._progress = None  # counts changed: reload when next asked


def _has_role(user: User, organisation_id: int, role: Role) -> bool:
    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organisation_id == organisation_id,
                Membership.role == role,
            )
        )
        is not None
    )


# --- phases -------------------------------------------------------------------------------


def advance_phase(
    trajectory: Trajectory, target: Phase, *, actor: User | None, reason: str = ""
) -> None:
    """Move ``trajectory`` to ``target``: the only code that assigns a phase.

    Raises ``DomainError`` when the move is not in the table, a reason is required but empty,
    or a guard is not met (all unmet guards in one message). Writes a ``PhaseChange`` and an
    audit row, and flushes.
    """
    source = trajectory.phase
    move = transition(source, target)
    if move is None:
        raise DomainError(
            _(
                "Deze stap kan nu niet: het traject is in de fase %(phase)s.",
                phase=phase_label(source),
            )
        )
    reason = (reason or "").strip()
    if move.reason_required and not reason:
        raise DomainError(_("Geef een reden op."), field="reason")
    load_progress([trajectory])
    problems = unmet_guards(trajectory, target)
    if problems:
        raise DomainError(" ".join(problems))
    trajectory.phase = target
    if target == Phase.ASSESSMENT:
        trajectory.submitted_at = utcnow()
    if target in (Phase.COMPLETED, Phase.WITHDRAWN):
        trajectory.closed_at = utcnow()
    db.session.add(
        PhaseChange(
            trajectory_id=trajectory.id,
            from_phase=source,
            to_phase=target,
            actor_id=actor.id if actor else None,
            reason=reason or None,
        )
    )
    log_action(
        "trajectory.phase_changed",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        from_phase=source.value,
        to_phase=target.value,
    )
    _touch(trajectory)
    _flush_or_stale()


def phase_label(phase: Phase) -> str:
    from evc.procedure.phases import PHASE_LABELS

    return str(PHASE_LABELS[phase])


# --- starting ------------------------------------------------------------------------------


def start_trajectory(
    organisation: Organisation, *, volunteer: User, supervisor: User, actor: User
) -> Trajectory:
    """Start a trajectory for a volunteer of ``organisation`` with a supervisor of the same
    organisation. Refuses a second active trajectory and a volunteer as their own supervisor."""
    if not _has_role(volunteer, organisation.id, Role.VOLUNTEER):
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."), field="volunteer")
    if not _has_role(supervisor, organisation.id, Role.SUPERVISOR):
        raise DomainError(_("Kies een begeleider van deze organisatie."), field="supervisor")
    if supervisor.id == volunteer.id:
        raise DomainError(
            _("Een vrijwilliger kan niet zijn eigen begeleider zijn."), field="supervisor"
        )
    if active_trajectory_of(volunteer) is not None:
        raise DomainError(
            _("%(name)s heeft al een lopend traject.", name=volunteer.display_name),
            field="volunteer",
        )
    framework = current_framework()
    trajectory = Trajectory(
        organisation_id=organisation.id,
        volunteer_id=volunteer.id,
        supervisor_id=supervisor.id,
        phase=Phase.INTAKE,
        framework_id=framework.id,
        framework_version=framework.version,
        started_by_id=actor.id,
    )
    db.session.add(trajectory)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # a second request started one at the same moment
        raise DomainError(
            _("%(name)s heeft al een lopend traject.", name=volunteer.display_name),
            field="volunteer",
        ) from error
    log_action(
        "trajectory.started",
        actor=actor,
        organisation_id=organisation.id,
        obj=trajectory,
        volunteer_id=volunteer.id,
        supervisor_id=supervisor.id,
    )
    _notify(
        volunteer,
        "email/trajectory_started.txt",
        lambda: _("Je EVC-A-traject is gestart"),
        trajectory,
        supervisor=supervisor,
    )
    _notify(
        supervisor,
        "email/trajectory_assigned.txt",
        lambda: _("Je begeleidt %(name)s in een EVC-A-traject", name=volunteer.display_name),
        trajectory,
    )
    return trajectory


def active_trajectory_of(volunteer: User) -> Trajectory | None:
    from evc.procedure.phases import ACTIVE_PHASES

    return db.session.scalar(
        select(Trajectory).where(
            Trajectory.volunteer_id == volunteer.id, Trajectory.phase.in_(ACTIVE_PHASES)
        )
    )


def withdraw(trajectory: Trajectory, reason: str, *, actor: User) -> None:
    """Stop a trajectory from any active phase; the reason is kept."""
    advance_phase(trajectory, Phase.WITHDRAWN, actor=actor, reason=reason)


# --- intake --------------------------------------------------------------------------------


def _check_not_future(held_on: date, field: str = "held_on") -> None:
    if held_on > date.today():
        raise DomainError(
            _("Een gesprek dat al gehouden is, kan niet in de toekomst liggen."), field=field
        )


def record_intake(
    trajectory: Trajectory, data: dict, *, actor: User, version_id: int | None = None
) -> Intake:
    """Record or correct the intake. Only in the intake phase and before the volunteer
    confirmed it; a correction after someone else's save is refused (``ConcurrentEdit``)."""
    if trajectory.phase != Phase.INTAKE:
        raise DomainError(
            _("Het begingesprek kan alleen in de fase begingesprek worden aangepast.")
        )
    _check_not_future(data["held_on"])
    if data["target_submission_date"] < data["held_on"]:
        raise DomainError(
            _("De streefdatum mag niet vóór de datum van het gesprek liggen."),
            field="target_submission_date",
        )
    if data.get("work_since") and data["work_since"] > date.today():
        raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field="work_since")
    intake = trajectory.intake
    if intake is not None and intake.confirmed_at is not None:
        raise DomainError(
            _(
                "De vrijwilliger heeft de afspraken al bevestigd. Ze kunnen niet "
                "meer worden gewijzigd."
            )
        )
    first = intake is None
    if first:
        intake = Intake(trajectory_id=trajectory.id)
        db.session.add(intake)
        trajectory.intake = intake
    elif version_id != intake.version_id:  # None: the form was opened before the first save
        raise stale_edit()
    for name, value in data.items():
        setattr(intake, name, value.strip() if isinstance(value, str) else value)
    intake.recorded_by_id = actor.id
    _flush_or_stale()
    log_action(
        "intake.recorded" if first else "intake.changed",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
    )
    _touch(trajectory)
    if first:
        _notify(
            trajectory.volunteer,
            "email/intake_recorded.txt",
            lambda: _("Lees en bevestig de afspraken van je begingesprek"),
            trajectory,
        )
    return intake


def confirm_intake(trajectory: Trajectory, *, version_id: int | None, actor: User) -> None:
    """The volunteer confirms the agreements they read (``version_id``); recognition starts
    right away. Agreements changed after they were read are not confirmed."""
    intake = trajectory.intake
    if intake is None:
        raise DomainError(_("Er is nog geen begingesprek vastgelegd."))
    if intake.confirmed_at is not None:
        raise DomainError(_("Je hebt de afspraken al bevestigd."))
    if version_id != intake.version_id:
        raise ConcurrentEdit(
            _(
                "De afspraken zijn net aangepast door je begeleider. Lees ze opnieuw en bevestig "
                "ze dan."
            )
        )
    intake.confirmed_at = utcnow()
    log_action(
        "intake.confirmed", actor=actor, organisation_id=trajectory.organisation_id, obj=trajectory
    )
    advance_phase(trajectory, Phase.RECOGNITION, actor=actor)
    _notify(
        trajectory.supervisor,
        "email/intake_confirmed.txt",
        lambda: _("%(name)s heeft de afspraken bevestigd", name=trajectory.volunteer.display_name),
        trajectory,
    )


# --- meetings ------------------------------------------------------------------------------

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
    if trajectory.phase not in MEETING_PHASES:
        raise DomainError(_("Gesprekken kun je vastleggen tot het portfolio is ingediend."))
    _check_not_future(held_on)
    if not topics.strip():
        raise DomainError(_("Schrijf op waarover jullie spraken."), field="topics")
    session = GuidanceSession(
        trajectory_id=trajectory.id,
        supervisor_id=actor.id,
        held_on=held_on,
        topics=topics.strip(),
        shared_notes=shared_notes.strip(),
        private_notes=private_notes.strip(),
    )
    db.session.add(session)
    log_action(
        "guidance_session.logged",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
    )
    _touch(trajectory)
    db.session.flush()
    return session


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
    _check_not_future(held_on)
    if not topic.strip():
        raise DomainError(_("Vul het onderwerp in."), field="topic")
    allowed = {t.id: t for t in trajectories if t.organisation_id == organisation.id}
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
    for tid in attendance:
        _touch(allowed[tid])
    log_action(
        "group_meeting.logged",
        actor=actor,
        organisation_id=organisation.id,
        obj=meeting,
        attendees=sum(attendance.values()),
    )
    db.session.flush()
    return meeting


# --- competencies and self-assessment --------------------------------------------------------


def _require_recognition(trajectory: Trajectory) -> None:
    if trajectory.phase != Phase.RECOGNITION:
        raise DomainError(
            _(
                "Dit kan alleen in de fase herkennen. Na het indienen is je "
                "zelfbeoordeling alleen nog te lezen."
            )
        )


def choose_competencies(trajectory: Trajectory, competency_ids: list[str], *, actor: User) -> None:
    """Set the chosen competencies (at least one, all from the trajectory's framework)."""
    _require_recognition(trajectory)
    framework = current_framework(trajectory.framework_id)
    wanted = set(competency_ids)
    if not wanted:
        raise DomainError(_("Kies minstens één competentie."), field="competencies")
    if wanted - set(framework.competency_ids):
        raise DomainError(_("Kies alleen competenties uit de lijst."), field="competencies")
    current = {
        c.competency_id: c
        for c in db.session.scalars(
            select(CompetencyChoice).where(CompetencyChoice.trajectory_id == trajectory.id)
        )
    }
    for competency_id in wanted - set(current):
        db.session.add(CompetencyChoice(trajectory_id=trajectory.id, competency_id=competency_id))
    for competency_id in set(current) - wanted:
        db.session.delete(current[competency_id])  # a written self-assessment is kept
    log_action(
        "competencies.chosen",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        competencies=sorted(wanted),
    )
    _touch(trajectory)
    db.session.flush()


def chosen_competencies(trajectory: Trajectory) -> list[str]:
    return list(trajectory.progress.chosen)


def save_self_assessment(
    trajectory: Trajectory, competency_id: str, data: dict, *, version_id: int | None, actor: User
) -> SelfAssessment:
    """Save a (draft) self-assessment. ``version_id`` is what the editor loaded: if someone
    saved in between, ``ConcurrentEdit`` is raised and nothing is overwritten."""
    _require_recognition(trajectory)
    if competency_id not in chosen_competencies(trajectory):
        raise DomainError(_("Kies deze competentie eerst."))
    scale = [p.value for p in current_framework(trajectory.framework_id).scale]
    rating = data.get("rating")
    if rating is not None and rating not in scale:
        raise DomainError(_("Kies een waarde op de schaal."), field="rating")
    assessment = db.session.scalar(
        select(SelfAssessment).where(
            SelfAssessment.trajectory_id == trajectory.id,
            SelfAssessment.competency_id == competency_id,
        )
    )
    if assessment is None:
        if version_id:  # the editor had a saved version, which someone removed meanwhile
            raise stale_edit()
        assessment = SelfAssessment(trajectory_id=trajectory.id, competency_id=competency_id)
        db.session.add(assessment)
    elif version_id != assessment.version_id:
        raise stale_edit()
    assessment.rating = rating
    for name in STARR_FIELDS:
        setattr(assessment, name, (data.get(name) or "").strip())
    assessment.updated_at = utcnow()
    assessment.updated_by_id = actor.id
    _flush_or_stale()
    log_action(
        "self_assessment.saved",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        competency=competency_id,
    )
    _touch(trajectory)
    return assessment


def submit_for_assessment(trajectory: Trajectory, *, actor: User) -> None:
    """Hand the portfolio to the assessment phase when every guard passes."""
    advance_phase(trajectory, Phase.ASSESSMENT, actor=actor)
    log_action(
        "trajectory.submitted",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
    )
    trajectory_submitted.send(trajectory)


# --- helpers -------------------------------------------------------------------------------


def _flush_or_stale() -> None:
    try:
        db.session.flush()
    except StaleDataError as error:
        raise stale_edit() from error


def _notify(user: User, template: str, subject, trajectory: Trajectory, **context) -> None:
    with force_locale(user.language):
        body = render_template(
            template,
            user=user,
            trajectory=trajectory,
            link=absolute_url("procedure.trajectory", trajectory_id=trajectory.id),
            **context,
        )
        queue_mail(user, str(subject()), body)
