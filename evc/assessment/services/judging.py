"""Steps 1 and 2 of the assessment: is the portfolio complete (or returned for more), the
judgement per competency, and with two assessors their differences and the joint verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from evc.accounts.models import User
from evc.assessment.models import (
    CRITERIA,
    AssessmentReturn,
    Assignment,
    AssignmentStatus,
    Judgement,
    Resolution,
    Verdict,
)
from evc.assessment.services.common import MIN_MOTIVATION, notify, open_assignments
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale, stale_edit
from evc.extensions import db
from evc.mail import absolute_url
from evc.procedure.models import (
    Trajectory,
)
from evc.procedure.phases import Phase
from evc.procedure.progress import load_progress
from evc.procedure.services import advance_phase

# --- step 1: completeness ----------------------------------------------------------------------


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
    from evc.portfolio.models import EvidenceItem, EvidenceLink, RefereeRequest

    load_progress([trajectory])
    progress = trajectory.progress
    referees: dict[str, list] = {}
    rows = db.session.execute(
        select(EvidenceLink.competency_id, EvidenceItem.title, RefereeRequest)
        .join(EvidenceItem, EvidenceItem.id == EvidenceLink.item_id)
        .join(RefereeRequest, RefereeRequest.item_id == EvidenceItem.id)
        .where(EvidenceItem.trajectory_id == trajectory.id)
        .order_by(EvidenceItem.id)
    ).all()
    for competency_id, title, request in rows:
        referees.setdefault(competency_id, []).append(
            (title, request.status.value, request.is_expired)
        )
    result = []
    for competency_id in progress.chosen:
        assessment = progress.self_assessments.get(competency_id)
        result.append(
            ChecklistRow(
                competency_id=competency_id,
                rated=bool(assessment and assessment.rating is not None),
                starr_complete=bool(assessment and assessment.is_complete),
                evidence=progress.evidence.get(competency_id, 0),
                referees=referees.get(competency_id, []),
            )
        )
    return result


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
    log_action(
        "assessment.complete",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
    )


def return_for_more(
    assignment: Assignment, notes: dict[str, str], general_note: str, *, actor: User
) -> AssessmentReturn:
    """Send the portfolio back to recognition with what is missing per competency."""
    require_working(assignment)
    trajectory = assignment.trajectory
    chosen = set(trajectory.progress.chosen)
    notes = {cid: text.strip() for cid, text in notes.items() if (text or "").strip()}
    if set(notes) - chosen:
        raise DomainError(_("Schrijf alleen iets bij de gekozen competenties."))
    if not notes:
        raise DomainError(
            _("Schrijf bij minstens één competentie wat er nog ontbreekt."), field="notes"
        )
    returned = AssessmentReturn(
        assignment_id=assignment.id,
        trajectory_id=trajectory.id,
        general_note=(general_note or "").strip(),
        notes=notes,
    )
    db.session.add(returned)
    # Every assessor looks again at the changed portfolio: step 1 reopens, and a second
    # assessor who was already done may revise their judgements.
    for member in open_assignments(trajectory):
        member.completeness_confirmed_at = None
        if member.status == AssignmentStatus.JUDGED:
            member.status = AssignmentStatus.ACTIVE
            member.judged_at = None
    advance_phase(
        trajectory,
        Phase.RECOGNITION,
        actor=actor,
        reason=returned.general_note or _("Het portfolio is nog niet compleet."),
    )
    log_action(
        "assessment.returned",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        competencies=sorted(notes),
    )
    for person in (trajectory.volunteer, trajectory.supervisor):
        notify(
            person,
            "email/assessment_returned.txt",
            lambda: _("De beoordelaar vraagt om meer bewijs"),
            assignment,
            link=absolute_url("procedure.trajectory", trajectory_id=trajectory.id),
            returned=returned,
        )
    return returned


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


# --- step 2: judging --------------------------------------------------------------------------


def _require_judging(assignment: Assignment) -> None:
    require_working(assignment)
    if assignment.completeness_confirmed_at is None:
        raise DomainError(_("Controleer eerst of het portfolio compleet is (stap 1)."))


def save_judgement(
    assignment: Assignment,
    competency_id: str,
    data: dict,
    *,
    version_id: int | None,
    actor: User,
) -> Judgement:
    """Save the assessor's verdict on one chosen competency. ``data``: verdict, motivation,
    advice, criteria {criterion: {"sufficient": bool, "note": str}}."""
    _require_judging(assignment)
    if competency_id not in assignment.trajectory.progress.chosen:
        raise DomainError(_("Deze competentie is niet gekozen en wordt niet beoordeeld."))
    try:
        verdict = Verdict(data.get("verdict") or "")
    except ValueError:
        raise DomainError(_("Kies aangetoond of nog niet aangetoond."), field="verdict") from None
    motivation = (data.get("motivation") or "").strip()
    if len(motivation) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf waarom je tot dit oordeel komt (minstens %(min)d tekens).", min=10),
            field="motivation",
        )
    criteria = {}
    for criterion in CRITERIA:
        given = (data.get("criteria") or {}).get(criterion) or {}
        if given.get("sufficient") not in (True, False):
            raise DomainError(
                _("Geef bij elk VRAAK-criterium aan of het voldoende is."), field=criterion
            )
        criteria[criterion] = {
            "sufficient": given["sufficient"],
            "note": (given.get("note") or "").strip()[:2000],
        }
    judgement = db.session.scalar(
        select(Judgement).where(
            Judgement.assignment_id == assignment.id, Judgement.competency_id == competency_id
        )
    )
    if judgement is None:
        if version_id:
            raise stale_edit()
        judgement = Judgement(assignment_id=assignment.id, competency_id=competency_id)
        db.session.add(judgement)
    elif version_id != judgement.version_id:
        raise stale_edit()
    judgement.verdict = verdict
    judgement.motivation = motivation
    judgement.advice = (data.get("advice") or "").strip()
    judgement.criteria = criteria
    flush_or_stale()
    log_action(
        "assessment.judged",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        competency=competency_id,
        verdict=verdict.value,
    )
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
    log_action(
        "assessment.judgements_done",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        position=assignment.position,
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
    resolved = {
        r.competency_id: r
        for r in db.session.scalars(
            select(Resolution).where(Resolution.trajectory_id == assignment.trajectory_id)
        )
    }
    return [
        Difference(c, mine[c], theirs[c], resolved.get(c))
        for c in assignment.trajectory.progress.chosen
        if c in mine and c in theirs and mine[c].verdict != theirs[c].verdict
    ]


def resolve(
    assignment: Assignment, competency_id: str, verdict: str, reason: str, *, actor: User
) -> Resolution:
    """The lead assessor records the verdict both agreed on where they differed, with why."""
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar legt het gezamenlijke oordeel vast."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Dit kan alleen tijdens de beoordeling."))
    difference = next(
        (d for d in differences(assignment) if d.competency_id == competency_id), None
    )
    if difference is None:
        raise DomainError(_("Over deze competentie verschillen jullie niet van oordeel."))
    try:
        verdict = Verdict(verdict or "")
    except ValueError:
        raise DomainError(_("Kies aangetoond of nog niet aangetoond."), field="verdict") from None
    if len((reason or "").strip()) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf op waarom jullie tot dit oordeel komen (minstens %(min)d tekens).", min=10),
            field="reason",
        )
    row = difference.resolution or Resolution(
        trajectory_id=assignment.trajectory_id, competency_id=competency_id
    )
    row.verdict = verdict
    row.reason = reason.strip()
    row.resolved_by_id = actor.id
    db.session.add(row)
    db.session.flush()
    log_action(
        "assessment.resolved",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        competency=competency_id,
        verdict=verdict.value,
    )
    return row
