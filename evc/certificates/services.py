"""Writes of the final interview and the development plan (issuing lives in ``issuing.py``).

Every write checks the domain rules, changes state, writes the audit row and flushes; the view
commits once.
"""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evc.accounts.models import User
from evc.audit import log_action
from evc.certificates.models import DevelopmentPlanVersion, FinalInterview
from evc.db import utcnow
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.mail import absolute_url, queue_mail
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services import _flush_or_stale

GOAL_FIELDS = ("competency_id", "goal", "actions", "support", "support_from", "target_date")
MAX_GOALS = 12
MAX_TEXT = 2000
PLAN_PHASES = (Phase.FINAL_INTERVIEW, Phase.COMPLETED)


# --- final interview -------------------------------------------------------------------------


def final_interview_of(trajectory: Trajectory) -> FinalInterview | None:
    return db.session.scalar(
        select(FinalInterview).where(FinalInterview.trajectory_id == trajectory.id)
    )


def record_final_interview(
    trajectory: Trajectory, data: dict, *, version_id: int | None, actor: User
) -> FinalInterview:
    """Record or correct the final interview (date, what was discussed, the volunteer's
    reaction). Only in the final-interview phase; a stale form raises ``ConcurrentEdit``."""
    if trajectory.phase != Phase.FINAL_INTERVIEW:
        raise DomainError(_("Het eindgesprek kun je alleen in de fase eindgesprek vastleggen."))
    held_on = data["held_on"]
    if held_on > date.today():
        raise DomainError(
            _("Een gesprek dat al gehouden is, kan niet in de toekomst liggen."), field="held_on"
        )
    for name, message in (
        ("discussed", _("Schrijf op wat jullie bespraken.")),
        ("volunteer_reaction", _("Schrijf op hoe de vrijwilliger op de beoordeling reageerde.")),
    ):
        if not (data.get(name) or "").strip():
            raise DomainError(message, field=name)
    interview = final_interview_of(trajectory)
    first = interview is None
    if interview is None:
        if version_id:
            raise stale_edit()
        interview = FinalInterview(trajectory_id=trajectory.id)
        db.session.add(interview)
    elif version_id != interview.version_id:
        raise stale_edit()
    interview.held_on = held_on
    interview.discussed = data["discussed"].strip()
    interview.volunteer_reaction = data["volunteer_reaction"].strip()
    interview.recorded_by_id = actor.id
    try:
        with db.session.begin_nested():
            _flush_or_stale()
    except IntegrityError as error:  # recorded by someone else at the same moment
        raise stale_edit() from error
    log_action(
        "final_interview.recorded" if first else "final_interview.changed",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
    )
    trajectory.last_activity_at = utcnow()
    return interview


# --- development plan ------------------------------------------------------------------------


def plan_versions(trajectory: Trajectory) -> list[DevelopmentPlanVersion]:
    """All versions, newest first."""
    return list(
        db.session.scalars(
            select(DevelopmentPlanVersion)
            .where(DevelopmentPlanVersion.trajectory_id == trajectory.id)
            .order_by(DevelopmentPlanVersion.number.desc())
        )
    )


def current_plan(trajectory: Trajectory) -> DevelopmentPlanVersion | None:
    return db.session.scalar(
        select(DevelopmentPlanVersion)
        .where(DevelopmentPlanVersion.trajectory_id == trajectory.id)
        .order_by(DevelopmentPlanVersion.number.desc())
        .limit(1)
    )


def prefilled_goals(trajectory: Trajectory) -> list[dict]:
    """One goal per competency not yet demonstrated, with the assessor's advice as actions."""
    from evc.assessment.models import Verdict
    from evc.assessment.services import outcome

    goals = []
    for competency_id, item in outcome(trajectory).items():
        if item.verdict == Verdict.NOT_YET:
            goals.append(_empty_goal() | {"competency_id": competency_id, "actions": item.advice})
    return goals


def _empty_goal() -> dict:
    return {name: "" for name in GOAL_FIELDS} | {"competency_id": None, "target_date": None}


def clean_goals(trajectory: Trajectory, rows: list[dict]) -> list[dict]:
    """Validate the goals typed in a form: rows left wholly empty are skipped; a row with text
    but no goal, a target date in the past or an unknown competency is refused."""
    chosen = set(trajectory.progress.chosen)
    goals = []
    for index, row in enumerate(rows):
        texts = {
            n: (row.get(n) or "").strip() for n in ("goal", "actions", "support", "support_from")
        }
        if not any(texts.values()) and not row.get("target_date"):
            continue
        field = f"goals-{index}-"
        if not texts["goal"]:
            raise DomainError(_("Schrijf bij elk doel op wat het doel is."), field=field + "goal")
        if any(len(v) > MAX_TEXT for v in texts.values()):
            raise DomainError(_("Deze tekst is te lang."), field=field + "goal")
        target = row.get("target_date")
        if target is not None and target < date.today():
            raise DomainError(
                _("De streefdatum mag niet in het verleden liggen."), field=field + "target_date"
            )
        competency_id = row.get("competency_id") or None
        if competency_id is not None and competency_id not in chosen:
            raise DomainError(
                _("Kies een competentie van dit traject, of geen."), field=field + "competency_id"
            )
        goals.append(
            texts
            | {
                "competency_id": competency_id,
                "target_date": target.isoformat() if target else None,
            }
        )
    if not goals:
        raise DomainError(_("Schrijf minstens één doel op."), field="goals-0-goal")
    if len(goals) > MAX_GOALS:
        raise DomainError(_("Een plan heeft hoogstens %(n)d doelen.", n=MAX_GOALS))
    return goals


def save_plan(
    trajectory: Trajectory, rows: list[dict], *, version_id: int | None, actor: User
) -> DevelopmentPlanVersion:
    """Save the plan. A draft nobody confirmed yet is updated; once someone confirmed it, a
    change becomes a new version (so an issued certificate keeps its agreed plan). Both
    confirmations are needed again after a change."""
    if trajectory.phase not in PLAN_PHASES:
        raise DomainError(_("Het ontwikkelplan maak je in het eindgesprek."))
    goals = clean_goals(trajectory, rows)
    latest = current_plan(trajectory)
    if (latest.version_id if latest else None) != version_id:
        raise stale_edit()
    if latest is not None and not latest.is_touched:
        plan = latest
    else:
        plan = DevelopmentPlanVersion(
            trajectory_id=trajectory.id, number=(latest.number + 1) if latest else 1
        )
        db.session.add(plan)
    plan.goals = goals
    plan.written_by_id = actor.id
    try:
        with db.session.begin_nested():
            _flush_or_stale()
    except IntegrityError as error:  # another version was saved at the same moment
        raise stale_edit() from error
    log_action(
        "development_plan.saved",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        number=plan.number,
        goals=len(goals),
    )
    trajectory.last_activity_at = utcnow()
    _notify(
        trajectory.volunteer,
        "email/certificate_plan_ready.txt",
        lambda: _("Lees en bevestig je ontwikkelplan"),
        trajectory,
    )
    return plan


def confirm_plan(trajectory: Trajectory, *, number: int | None, actor: User) -> None:
    """The volunteer or the supervisor confirms the version they read (``number``). A plan
    changed since it was read is not confirmed."""
    if trajectory.phase not in PLAN_PHASES:
        raise DomainError(_("Het ontwikkelplan bevestig je in het eindgesprek."))
    plan = current_plan(trajectory)
    if plan is None:
        raise DomainError(_("Er is nog geen ontwikkelplan."))
    if number != plan.number:
        raise DomainError(
            _("Het plan is net aangepast. Lees de nieuwe versie en bevestig die dan.")
        )
    if actor.id == trajectory.volunteer_id:
        attribute = "volunteer_confirmed_at"
    elif actor.id == trajectory.supervisor_id:
        attribute = "supervisor_confirmed_at"
    else:
        raise DomainError(_("Alleen de vrijwilliger en de begeleider bevestigen het plan."))
    if getattr(plan, attribute) is not None:
        raise DomainError(_("Je hebt dit plan al bevestigd."))
    setattr(plan, attribute, utcnow())
    _flush_or_stale()
    log_action(
        "development_plan.confirmed",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        number=plan.number,
    )
    trajectory.last_activity_at = utcnow()


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
