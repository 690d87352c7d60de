"""Choosing competencies and writing the self-assessment, in the recognition phase."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts.models import User
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale, refuse_if_stale
from evc.extensions import db
from evc.framework import current_framework
from evc.procedure.models import STARR_FIELDS, CompetencyChoice, SelfAssessment, Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services.common import log_on_trajectory, touch


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
    wanted = _wanted(trajectory, competency_ids)
    current = _choices(trajectory)
    for competency_id in wanted - set(current):
        db.session.add(CompetencyChoice(trajectory_id=trajectory.id, competency_id=competency_id))
    for competency_id in set(current) - wanted:
        db.session.delete(current[competency_id])  # a written self-assessment is kept
    competencies = sorted(wanted)
    log_on_trajectory(trajectory, "competencies.chosen", actor=actor, competencies=competencies)
    touch(trajectory)
    db.session.flush()


def _choices(trajectory: Trajectory) -> dict[str, CompetencyChoice]:
    return {
        c.competency_id: c
        for c in db.session.scalars(
            select(CompetencyChoice).where(CompetencyChoice.trajectory_id == trajectory.id)
        )
    }


def _wanted(trajectory: Trajectory, competency_ids: list[str]) -> set[str]:
    framework = current_framework(trajectory.framework_id)
    wanted = set(competency_ids)
    if not wanted:
        raise DomainError(_("Kies minstens één competentie."), field="competencies")
    if wanted - set(framework.competency_ids):
        raise DomainError(_("Kies alleen competenties uit de lijst."), field="competencies")
    return wanted


def chosen_competencies(trajectory: Trajectory) -> list[str]:
    return list(trajectory.progress.chosen)


def save_self_assessment(
    trajectory: Trajectory, competency_id: str, data: dict, *, version_id: int | None, actor: User
) -> SelfAssessment:
    """Save a (draft) self-assessment. ``version_id`` is what the editor loaded: if someone
    saved in between, ``ConcurrentEdit`` is raised and nothing is overwritten."""
    _require_recognition(trajectory)
    _require_chosen(trajectory, competency_id)
    rating = _rating(trajectory, data.get("rating"))
    assessment = _assessment_to_write(trajectory, competency_id, version_id)
    assessment.rating = rating
    for name in STARR_FIELDS:
        setattr(assessment, name, (data.get(name) or "").strip())
    assessment.updated_at = utcnow()
    assessment.updated_by_id = actor.id
    flush_or_stale()
    log_on_trajectory(trajectory, "self_assessment.saved", actor=actor, competency=competency_id)
    touch(trajectory)
    return assessment


def _require_chosen(trajectory: Trajectory, competency_id: str) -> None:
    if competency_id not in chosen_competencies(trajectory):
        raise DomainError(_("Kies deze competentie eerst."))


def _rating(trajectory: Trajectory, rating):
    scale = [p.value for p in current_framework(trajectory.framework_id).scale]
    if rating is not None and rating not in scale:
        raise DomainError(_("Kies een waarde op de schaal."), field="rating")
    return rating


def _assessment_to_write(
    trajectory: Trajectory, competency_id: str, version_id: int | None
) -> SelfAssessment:
    assessment = db.session.scalar(
        select(SelfAssessment).where(
            SelfAssessment.trajectory_id == trajectory.id,
            SelfAssessment.competency_id == competency_id,
        )
    )
    refuse_if_stale(assessment, version_id)
    if assessment is None:
        assessment = SelfAssessment(trajectory_id=trajectory.id, competency_id=competency_id)
        db.session.add(assessment)
    return assessment
