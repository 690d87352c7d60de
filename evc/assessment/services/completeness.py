"""Step 1 of the assessment: is the portfolio complete, or is it returned for more. The
checks every later step starts with live here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts.models import User
from evc.assessment.models import (
    AssessmentReturn,
    Assignment,
    AssignmentStatus,
)
from evc.assessment.services.common import (
    notify,
    notify_volunteer_and_supervisor,
    open_assignments,
)
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale
from evc.extensions import db
from evc.mail import absolute_url
from evc.procedure.models import (
    Trajectory,
)
from evc.procedure.phases import Phase
from evc.procedure.progress import Progress, load_progress
from evc.procedure.services import advance_phase, log_on_trajectory


@dataclass
class ChecklistRow:
    competency_id: str
    rated: bool
    starr_complete: bool
    evidence: int
    referees: list = field(default_factory=list)  # (item title, status value, expired)

    @property
    def ok(self) -> bool:
        return self.rated and self.starr_complete and self.evidence > 0


def checklist(trajectory: Trajectory) -> list[ChecklistRow]:
    """What the portfolio holds per chosen competency (a fixed number of queries)."""
    load_progress([trajectory])
    progress = trajectory.progress
    referees = _referees_per_competency(trajectory)
    return [_checklist_row(progress, c, referees.get(c, [])) for c in progress.chosen]


def _referees_per_competency(trajectory: Trajectory) -> dict[str, list]:
    """Per competency, (item title, status value, expired) of each referee asked, in one query."""
    from evc.portfolio.models import EvidenceItem, EvidenceLink, RefereeRequest

    rows = db.session.execute(
        select(EvidenceLink.competency_id, EvidenceItem.title, RefereeRequest)
        .join(EvidenceItem, EvidenceItem.id == EvidenceLink.item_id)
        .join(RefereeRequest, RefereeRequest.item_id == EvidenceItem.id)
        .where(EvidenceItem.trajectory_id == trajectory.id)
        .order_by(EvidenceItem.id)
    ).all()
    referees: dict[str, list] = {}
    for competency_id, title, request in rows:
        referees.setdefault(competency_id, []).append(
            (title, request.status.value, request.is_expired)
        )
    return referees


def _checklist_row(progress: Progress, competency_id: str, referees: list) -> ChecklistRow:
    assessment = progress.self_assessments.get(competency_id)
    return ChecklistRow(
        competency_id=competency_id,
        rated=bool(assessment and assessment.rating is not None),
        starr_complete=bool(assessment and assessment.is_complete),
        evidence=progress.evidence.get(competency_id, 0),
        referees=referees,
    )


def require_working(assignment: Assignment) -> None:
    if assignment.status == AssignmentStatus.ASSIGNED:
        raise DomainError(_("Geef eerst je verklaring dat je de vrijwilliger niet kent."))
    if assignment.status != AssignmentStatus.ACTIVE:
        raise DomainError(_("Je beoordeling is afgerond en kan niet meer worden gewijzigd."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(
            _("Het portfolio is teruggestuurd. Je kunt verder als het opnieuw is ingediend.")
        )


def confirm_complete(assignment: Assignment, *, actor: User) -> None:
    require_working(assignment)
    assignment.completeness_confirmed_at = utcnow()
    flush_or_stale()
    log_on_trajectory(assignment.trajectory, "assessment.complete", actor=actor)


def return_for_more(
    assignment: Assignment, notes: dict[str, str], general_note: str, *, actor: User
) -> AssessmentReturn:
    """Send the portfolio back to recognition with what is missing per competency."""
    require_working(assignment)
    trajectory = assignment.trajectory
    missing = _what_is_missing(trajectory, notes)
    returned = _record_return(assignment, missing, general_note)
    _reopen_for_every_assessor(trajectory)
    reason = returned.general_note or _("Het portfolio is nog niet compleet.")
    advance_phase(trajectory, Phase.RECOGNITION, actor=actor, reason=reason)
    competencies = sorted(missing)
    log_on_trajectory(trajectory, "assessment.returned", actor=actor, competencies=competencies)
    _ask_for_more_evidence(assignment, returned)
    return returned


def _what_is_missing(trajectory: Trajectory, notes: dict[str, str]) -> dict[str, str]:
    """The notes that say something, each on a chosen competency; at least one."""
    chosen = set(trajectory.progress.chosen)
    notes = {cid: text.strip() for cid, text in notes.items() if (text or "").strip()}
    if set(notes) - chosen:
        raise DomainError(_("Schrijf alleen iets bij de gekozen competenties."))
    if not notes:
        raise DomainError(
            _("Schrijf bij minstens één competentie wat er nog ontbreekt."), field="notes"
        )
    return notes


def _record_return(
    assignment: Assignment, notes: dict[str, str], general_note: str
) -> AssessmentReturn:
    returned = AssessmentReturn(
        assignment_id=assignment.id,
        trajectory_id=assignment.trajectory_id,
        general_note=(general_note or "").strip(),
        notes=notes,
    )
    db.session.add(returned)
    return returned


def _reopen_for_every_assessor(trajectory: Trajectory) -> None:
    """Every assessor looks again at the changed portfolio: step 1 reopens, and a second
    assessor who was already done may revise their judgements."""
    for member in open_assignments(trajectory):
        member.completeness_confirmed_at = None
        if member.status == AssignmentStatus.JUDGED:
            member.status = AssignmentStatus.ACTIVE
            member.judged_at = None


def _ask_for_more_evidence(assignment: Assignment, returned: AssessmentReturn) -> None:
    """Mail the volunteer and the supervisor what the assessor misses."""
    notify_volunteer_and_supervisor(
        assignment,
        "email/assessment_returned.txt",
        lambda: _("De beoordelaar vraagt om meer bewijs"),
        link=absolute_url("procedure.trajectory", trajectory_id=assignment.trajectory_id),
        returned=returned,
    )


def returns_of(trajectory_id: int) -> list[AssessmentReturn]:
    return list(
        db.session.scalars(
            select(AssessmentReturn)
            .where(AssessmentReturn.trajectory_id == trajectory_id)
            .order_by(AssessmentReturn.id.desc())
        )
    )


def on_resubmitted(trajectory: Trajectory) -> None:
    """After a return, the same assessors continue: tell them the portfolio is back."""
    for assignment in open_assignments(trajectory):
        if assignment.status == AssignmentStatus.ACTIVE:
            notify(
                assignment.assessor,
                "email/assessment_resubmitted.txt",
                lambda: _("Het portfolio is opnieuw ingediend"),
                assignment,
                link=absolute_url("assessment.workspace", assignment_id=assignment.id),
            )


def require_confirmed_complete(assignment: Assignment) -> None:
    if assignment.completeness_confirmed_at is None:
        raise DomainError(_("Controleer eerst of het portfolio compleet is (stap 1)."))
