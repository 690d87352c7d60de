"""Writes of the final interview and the development plan (issuing lives in ``issuing.py``).

Every write checks the domain rules, changes state, writes the audit row and flushes; the view
commits once.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from evc.accounts.models import User
from evc.assessment.models import Verdict
from evc.assessment.services import outcome
from evc.certificates.models import DevelopmentPlanVersion, FinalInterview
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale, refuse_if_stale, stale_edit
from evc.extensions import db
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services import check_not_future, log_on_trajectory, notify, touch

TEXT_FIELDS = ("goal", "actions", "support", "support_from")
GOAL_FIELDS = ("competency_id", *TEXT_FIELDS, "target_date")
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
    _check_interview(trajectory, data)
    interview, first = _interview_to_write(trajectory, version_id)
    _fill_interview(interview, data, actor)
    _flush_first_save_wins()
    action = "final_interview.recorded" if first else "final_interview.changed"
    log_on_trajectory(trajectory, action, actor=actor)
    touch(trajectory)
    return interview


def _check_interview(trajectory: Trajectory, data: dict) -> None:
    if trajectory.phase != Phase.FINAL_INTERVIEW:
        raise DomainError(_("Het eindgesprek kun je alleen in de fase eindgesprek vastleggen."))
    check_not_future(data["held_on"])
    for name, message in (
        ("discussed", _("Schrijf op wat jullie bespraken.")),
        ("volunteer_reaction", _("Schrijf op hoe de vrijwilliger op de beoordeling reageerde.")),
    ):
        if not (data.get(name) or "").strip():
            raise DomainError(message, field=name)


def _interview_to_write(
    trajectory: Trajectory, version_id: int | None
) -> tuple[FinalInterview, bool]:
    """The stored interview, or a new one (True) for the first record. A form that was read
    before the last save is stale."""
    interview = final_interview_of(trajectory)
    refuse_if_stale(interview, version_id)
    if interview is not None:
        return interview, False
    interview = FinalInterview(trajectory_id=trajectory.id)
    db.session.add(interview)
    return interview, True


def _fill_interview(interview: FinalInterview, data: dict, actor: User) -> None:
    interview.held_on = data["held_on"]
    interview.discussed = data["discussed"].strip()
    interview.volunteer_reaction = data["volunteer_reaction"].strip()
    interview.recorded_by_id = actor.id


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
    goals = [
        _clean_goal(row, f"goals-{index}-", chosen)
        for index, row in enumerate(rows)
        if not _is_blank(row)
    ]
    if not goals:
        raise DomainError(_("Schrijf minstens één doel op."), field="goals-0-goal")
    if len(goals) > MAX_GOALS:
        raise DomainError(_("Een plan heeft hoogstens %(n)d doelen.", n=MAX_GOALS))
    return goals


def _texts(row: dict) -> dict[str, str]:
    return {name: (row.get(name) or "").strip() for name in TEXT_FIELDS}


def _is_blank(row: dict) -> bool:
    return not any(_texts(row).values()) and not row.get("target_date")


def _clean_goal(row: dict, field: str, chosen: set[str]) -> dict:
    """One goal as stored; ``field`` (``goals-<n>-``) names the row for an error message."""
    texts = _texts(row)
    _check_texts(texts, field)
    target = row.get("target_date")
    _check_target_date(target, field)
    competency_id = row.get("competency_id") or None
    _check_competency(competency_id, chosen, field)
    return texts | {
        "competency_id": competency_id,
        "target_date": target.isoformat() if target else None,
    }


def _check_texts(texts: dict[str, str], field: str) -> None:
    if not texts["goal"]:
        raise DomainError(_("Schrijf bij elk doel op wat het doel is."), field=field + "goal")
    if any(len(v) > MAX_TEXT for v in texts.values()):
        raise DomainError(_("Deze tekst is te lang."), field=field + "goal")


def _check_target_date(target: date | None, field: str) -> None:
    if target is not None and target < date.today():
        raise DomainError(
            _("De streefdatum mag niet in het verleden liggen."), field=field + "target_date"
        )


def _check_competency(competency_id: str | None, chosen: set[str], field: str) -> None:
    if competency_id is not None and competency_id not in chosen:
        raise DomainError(
            _("Kies een competentie van dit traject, of geen."), field=field + "competency_id"
        )


def save_plan(
    trajectory: Trajectory, rows: list[dict], *, version_id: int | None, actor: User
) -> DevelopmentPlanVersion:
    """Save the plan. A draft nobody confirmed yet is updated; once someone confirmed it, a
    change becomes a new version (so an issued certificate keeps its agreed plan). Both
    confirmations are needed again after a change."""
    if trajectory.phase not in PLAN_PHASES:
        raise DomainError(_("Het ontwikkelplan maak je in het eindgesprek."))
    goals = clean_goals(trajectory, rows)
    plan = _plan_to_write(trajectory, version_id)
    plan.goals = goals
    plan.written_by_id = actor.id
    _flush_first_save_wins()
    details = {"number": plan.number, "goals": len(goals)}
    log_on_trajectory(trajectory, "development_plan.saved", actor=actor, **details)
    touch(trajectory)
    _ask_volunteer_to_confirm(trajectory)
    return plan


def _plan_to_write(trajectory: Trajectory, version_id: int | None) -> DevelopmentPlanVersion:
    """The latest version while nobody confirmed it, else a new version after it. A form that
    was read before the latest save is stale."""
    latest = current_plan(trajectory)
    refuse_if_stale(latest, version_id)
    if latest is not None and not latest.is_touched:
        return latest
    number = (latest.number + 1) if latest else 1
    plan = DevelopmentPlanVersion(trajectory_id=trajectory.id, number=number)
    db.session.add(plan)
    return plan


def _ask_volunteer_to_confirm(trajectory: Trajectory) -> None:
    notify(
        trajectory.volunteer,
        "email/certificate_plan_ready.txt",
        lambda: _("Lees en bevestig je ontwikkelplan"),
        trajectory,
    )


def confirm_plan(trajectory: Trajectory, *, number: int | None, actor: User) -> None:
    """The volunteer or the supervisor confirms the version they read (``number``). A plan
    changed since it was read is not confirmed."""
    plan = _plan_to_confirm(trajectory, number)
    attribute = _confirmation_by(trajectory, actor)
    if getattr(plan, attribute) is not None:
        raise DomainError(_("Je hebt dit plan al bevestigd."))
    setattr(plan, attribute, utcnow())
    flush_or_stale()
    log_on_trajectory(trajectory, "development_plan.confirmed", actor=actor, number=plan.number)
    touch(trajectory)


def _plan_to_confirm(trajectory: Trajectory, number: int | None) -> DevelopmentPlanVersion:
    if trajectory.phase not in PLAN_PHASES:
        raise DomainError(_("Het ontwikkelplan bevestig je in het eindgesprek."))
    plan = current_plan(trajectory)
    if plan is None:
        raise DomainError(_("Er is nog geen ontwikkelplan."))
    if number != plan.number:
        raise DomainError(
            _("Het plan is net aangepast. Lees de nieuwe versie en bevestig die dan.")
        )
    return plan


def _confirmation_by(trajectory: Trajectory, actor: User) -> str:
    """The plan's column for the actor's confirmation: the volunteer's or the supervisor's."""
    if actor.id == trajectory.volunteer_id:
        return "volunteer_confirmed_at"
    if actor.id == trajectory.supervisor_id:
        return "supervisor_confirmed_at"
    raise DomainError(_("Alleen de vrijwilliger en de begeleider bevestigen het plan."))


# --- completing ------------------------------------------------------------------------------


def closing_problems(trajectory: Trajectory) -> list[str]:
    """What completing the trajectory still waits for, in plain language: the final interview
    recorded, and the latest plan confirmed by both."""
    problems = []
    if final_interview_of(trajectory) is None:
        problems.append(_("Het eindgesprek is nog niet vastgelegd."))
    plan = current_plan(trajectory)
    if plan is None or not plan.is_agreed:
        problems.append(_("De vrijwilliger en de begeleider hebben het plan nog niet bevestigd."))
    return problems


# --- shared steps ----------------------------------------------------------------------------


def _flush_first_save_wins() -> None:
    """Flush; a row that another request saved at the same moment makes this save stale."""
    try:
        with db.session.begin_nested():
            flush_or_stale()
    except IntegrityError as error:
        raise stale_edit() from error
