"""Step 2 of the assessment: the judgement per competency, and with two assessors their
differences and the joint verdict.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from evc.accounts.models import User
from evc.assessment.models import (
    CRITERIA,
    Assignment,
    AssignmentStatus,
    Judgement,
    Resolution,
)
from evc.assessment.services.common import (
    MIN_MOTIVATION,
    chosen_verdict,
    long_enough,
    open_assignments,
    written_motivation,
)
from evc.assessment.services.completeness import require_confirmed_complete, require_working
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale, refuse_if_stale
from evc.extensions import db
from evc.procedure.phases import Phase
from evc.procedure.services import log_on_trajectory


def _require_judging(assignment: Assignment) -> None:
    require_working(assignment)
    require_confirmed_complete(assignment)


def save_judgement(
    assignment: Assignment, competency_id: str, data: dict, *, version_id: int | None, actor: User
) -> Judgement:
    """Save the assessor's verdict on one chosen competency. ``data``: verdict, motivation,
    advice, criteria {criterion: {"sufficient": bool, "note": str}}."""
    _require_judging(assignment)
    _require_chosen(assignment, competency_id)
    verdict = chosen_verdict(data.get("verdict"))
    motivation = written_motivation(data)
    criteria = _vraak_criteria(data.get("criteria") or {})
    judgement = _judgement_to_write(assignment, competency_id, version_id)
    judgement.verdict = verdict
    judgement.motivation = motivation
    judgement.advice = (data.get("advice") or "").strip()
    judgement.criteria = criteria
    flush_or_stale()
    details = {"competency": competency_id, "verdict": verdict.value}
    log_on_trajectory(assignment.trajectory, "assessment.judged", actor=actor, **details)
    return judgement


def _require_chosen(assignment: Assignment, competency_id: str) -> None:
    if competency_id not in assignment.trajectory.progress.chosen:
        raise DomainError(_("Deze competentie is niet gekozen en wordt niet beoordeeld."))


def _vraak_criteria(given: dict) -> dict[str, dict]:
    """Per VRAAK criterion whether it is sufficient (an answer is required) and a note."""
    return {criterion: _criterion(criterion, given.get(criterion) or {}) for criterion in CRITERIA}


def _criterion(criterion: str, given: dict) -> dict:
    if given.get("sufficient") not in (True, False):
        raise DomainError(
            _("Geef bij elk VRAAK-criterium aan of het voldoende is."), field=criterion
        )
    return {"sufficient": given["sufficient"], "note": (given.get("note") or "").strip()[:2000]}


def _judgement_to_write(
    assignment: Assignment, competency_id: str, version_id: int | None
) -> Judgement:
    """The stored judgement, or a new one for the first save; a stale form is refused."""
    judgement = db.session.scalar(
        select(Judgement).where(
            Judgement.assignment_id == assignment.id, Judgement.competency_id == competency_id
        )
    )
    refuse_if_stale(judgement, version_id)
    if judgement is None:
        judgement = Judgement(assignment_id=assignment.id, competency_id=competency_id)
        db.session.add(judgement)
    return judgement


def judgements_of(assignment: Assignment) -> dict[str, Judgement]:
    return {
        j.competency_id: j
        for j in db.session.scalars(
            select(Judgement)
            .where(Judgement.assignment_id == assignment.id)
            .options(selectinload(Judgement.corrections))
        )
    }


def unjudged(assignment: Assignment) -> list[str]:
    judged = judgements_of(assignment)
    return [c for c in assignment.trajectory.progress.chosen if c not in judged]


def refuse_unjudged(assignment: Assignment) -> None:
    missing = unjudged(assignment)
    if missing:
        from evc.procedure.progress import competency_names

        raise DomainError(
            _(
                "Geef eerst een oordeel over: %(names)s.",
                names=", ".join(competency_names(missing)),
            )
        )


def mark_judged(assignment: Assignment, *, actor: User) -> None:
    """Two assessors: this one is done; the differences show when both are."""
    _require_judging(assignment)
    refuse_unjudged(assignment)
    assignment.status = AssignmentStatus.JUDGED
    assignment.judged_at = utcnow()
    flush_or_stale()
    position = assignment.position
    log_on_trajectory(
        assignment.trajectory, "assessment.judgements_done", actor=actor, position=position
    )


def partner_of(assignment: Assignment) -> Assignment | None:
    for other in open_assignments(assignment.trajectory):
        if other.id != assignment.id:
            return other
    return None


def _judged_partner(assignment: Assignment) -> Assignment | None:
    """The other assessor's assignment once both have judged, else None."""
    partner = partner_of(assignment)
    if (
        assignment.status == AssignmentStatus.JUDGED
        and partner is not None
        and partner.status == AssignmentStatus.JUDGED
    ):
        return partner
    return None


def both_judged(assignment: Assignment) -> bool:
    return _judged_partner(assignment) is not None


@dataclass
class Difference:
    competency_id: str
    lead: Judgement
    second: Judgement
    resolution: Resolution | None


def differences(assignment: Assignment) -> list[Difference]:
    """Competencies on which the two assessors' verdicts differ (only once both are done)."""
    partner = _judged_partner(assignment)
    if partner is None:
        return []
    lead, second = sorted([assignment, partner], key=lambda a: a.position)
    mine, theirs = judgements_of(lead), judgements_of(second)
    resolved = resolutions_of(assignment.trajectory_id)
    return [
        Difference(c, mine[c], theirs[c], resolved.get(c))
        for c in assignment.trajectory.progress.chosen
        if c in mine and c in theirs and mine[c].verdict != theirs[c].verdict
    ]


def resolutions_of(trajectory_id: int) -> dict[str, Resolution]:
    """The verdicts two assessors agreed on, per competency."""
    return {
        r.competency_id: r
        for r in db.session.scalars(
            select(Resolution).where(Resolution.trajectory_id == trajectory_id)
        )
    }


def resolve(
    assignment: Assignment, competency_id: str, verdict: str, reason: str, *, actor: User
) -> Resolution:
    """The lead assessor records the verdict both agreed on where they differed, with why."""
    _require_lead_in_assessment(assignment)
    difference = _difference_on(assignment, competency_id)
    agreed = chosen_verdict(verdict)
    why = _why_agreed(reason)
    row = difference.resolution or Resolution(
        trajectory_id=assignment.trajectory_id, competency_id=competency_id
    )
    row.verdict = agreed
    row.reason = why
    row.resolved_by_id = actor.id
    db.session.add(row)
    db.session.flush()
    details = {"competency": competency_id, "verdict": agreed.value}
    log_on_trajectory(assignment.trajectory, "assessment.resolved", actor=actor, **details)
    return row


def _require_lead_in_assessment(assignment: Assignment) -> None:
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar legt het gezamenlijke oordeel vast."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Dit kan alleen tijdens de beoordeling."))


def _why_agreed(reason: str) -> str:
    message = _(
        "Schrijf op waarom jullie tot dit oordeel komen (minstens %(min)d tekens).",
        min=MIN_MOTIVATION,
    )
    return long_enough(reason, message, "reason")


def _difference_on(assignment: Assignment, competency_id: str) -> Difference:
    difference = next(
        (d for d in differences(assignment) if d.competency_id == competency_id), None
    )
    if difference is None:
        raise DomainError(_("Over deze competentie verschillen jullie niet van oordeel."))
    return difference
