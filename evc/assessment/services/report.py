"""Step 3 of the assessment: the report's summary, finalising it, corrections until the final
interview, and the outcome per competency as it stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import User
from evc.assessment.models import (
    AssessmentReport,
    Assignment,
    AssignmentStatus,
    Judgement,
    JudgementCorrection,
    Resolution,
    Verdict,
)
from evc.assessment.services.common import MIN_MOTIVATION, notify, report_of
from evc.assessment.services.judging import (
    both_judged,
    differences,
    judgements_of,
    partner_of,
    refuse_unjudged,
    require_working,
)
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale, stale_edit
from evc.extensions import db
from evc.mail import absolute_url
from evc.procedure.models import (
    Trajectory,
)
from evc.procedure.phases import Phase
from evc.procedure.services import advance_phase
from evc.procedure.settings import settings_of

# --- step 3: the report ---------------------------------------------------------------------


def save_summary(
    assignment: Assignment, summary: str, *, version_id: int | None, actor: User
) -> AssessmentReport:
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar schrijft het rapport."))
    if assignment.status not in (AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED):
        raise DomainError(_("Je beoordeling is afgerond en kan niet meer worden gewijzigd."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Dit kan alleen tijdens de beoordeling."))
    report = report_of(assignment.trajectory)
    if report is None:
        if version_id:
            raise stale_edit()
        report = AssessmentReport(trajectory_id=assignment.trajectory_id)
        db.session.add(report)
    elif version_id != report.version_id:
        raise stale_edit()
    report.summary = (summary or "").strip()
    flush_or_stale()
    return report


def finalise(
    assignment: Assignment, summary: str, *, version_id: int | None, actor: User
) -> AssessmentReport:
    """Make the judgements final and move the trajectory to the final interview."""
    trajectory = assignment.trajectory
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar maakt het rapport definitief."))
    _require_working_or_judged(assignment)
    if assignment.completeness_confirmed_at is None:
        raise DomainError(_("Controleer eerst of het portfolio compleet is (stap 1)."))
    refuse_unjudged(assignment)
    partner = partner_of(assignment)
    if settings_of(trajectory.organisation_id).two_assessors:
        if not both_judged(assignment):
            raise DomainError(
                _(
                    "Beide beoordelaars moeten eerst op ‘Klaar met beoordelen’ drukken. Daarna "
                    "wordt het rapport definitief."
                )
            )
        open_differences = [d for d in differences(assignment) if d.resolution is None]
        if open_differences:
            from evc.procedure.progress import competency_names

            raise DomainError(
                _(
                    "Leg eerst het gezamenlijke oordeel vast voor: %(names)s.",
                    names=", ".join(competency_names(d.competency_id for d in open_differences)),
                )
            )
    if len((summary or "").strip()) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf een samenvatting van je beoordeling (minstens %(min)d tekens).", min=10),
            field="summary",
        )
    report = save_summary(assignment, summary, version_id=version_id, actor=actor)
    now = utcnow()
    report.finalised_at = now
    report.finalised_by_id = actor.id
    for member in [assignment, partner] if partner else [assignment]:
        member.status = AssignmentStatus.FINALISED
        member.finalised_at = now
    flush_or_stale()
    advance_phase(trajectory, Phase.FINAL_INTERVIEW, actor=actor)
    log_action(
        "assessment.finalised",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
    )
    for person in (trajectory.volunteer, trajectory.supervisor):
        notify(
            person,
            "email/assessment_final.txt",
            lambda: _("Het beoordelingsrapport is klaar"),
            assignment,
            link=absolute_url("assessment.report", trajectory_id=trajectory.id),
        )
    return report


def _require_working_or_judged(assignment: Assignment) -> None:
    if assignment.status == AssignmentStatus.JUDGED:
        if assignment.trajectory.phase != Phase.ASSESSMENT:
            raise DomainError(_("Dit kan alleen tijdens de beoordeling."))
        return
    require_working(assignment)


def correct(
    assignment: Assignment,
    competency_id: str,
    data: dict,
    *,
    actor: User,
) -> JudgementCorrection:
    """After the report is final: a correction is a new record with a reason."""
    if assignment.status != AssignmentStatus.FINALISED or assignment.position != 1:
        raise DomainError(_("Alleen de eerste beoordelaar corrigeert een definitief rapport."))
    if assignment.trajectory.phase != Phase.FINAL_INTERVIEW:
        raise DomainError(
            _("Een correctie kan tot het traject is afgerond. Dit traject is al afgerond.")
        )
    judgement = judgements_of(assignment).get(competency_id)
    if judgement is None:
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
    reason = (data.get("reason") or "").strip()
    if len(reason) < MIN_MOTIVATION:
        raise DomainError(
            _("Schrijf waarom je het oordeel corrigeert (minstens %(min)d tekens).", min=10),
            field="reason",
        )
    correction = JudgementCorrection(
        judgement_id=judgement.id,
        verdict=verdict,
        motivation=motivation,
        advice=(data.get("advice") or "").strip(),
        reason=reason,
        corrected_by_id=actor.id,
    )
    db.session.add(correction)
    db.session.flush()
    trajectory = assignment.trajectory
    log_action(
        "assessment.corrected",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        competency=competency_id,
        verdict=verdict.value,
    )
    for person in (trajectory.volunteer, trajectory.supervisor):
        notify(
            person,
            "email/assessment_corrected.txt",
            lambda: _("Een oordeel in het beoordelingsrapport is gecorrigeerd"),
            assignment,
            link=absolute_url("assessment.report", trajectory_id=trajectory.id),
        )
    return correction


# --- the outcome ------------------------------------------------------------------------------


@dataclass
class Outcome:
    """The verdict on one competency as it stands: the lead's judgement, the agreed verdict
    where two assessors differed, or the latest correction."""

    competency_id: str
    verdict: Verdict
    motivation: str
    advice: str
    judgement: Judgement
    resolution: Resolution | None = None
    corrections: list = field(default_factory=list)


def final_assignment(trajectory_id: int) -> Assignment | None:
    return db.session.scalar(
        select(Assignment)
        .where(
            Assignment.trajectory_id == trajectory_id,
            Assignment.status == AssignmentStatus.FINALISED,
            Assignment.position == 1,
        )
        .options(joinedload(Assignment.assessor))
    )


def outcome(trajectory: Trajectory) -> dict[str, Outcome]:
    """Per chosen competency, the assessor's outcome once the report is final (else empty).
    Certificates list the competencies whose verdict is DEMONSTRATED."""
    lead = final_assignment(trajectory.id)
    if lead is None:
        return {}
    judgements = judgements_of(lead)
    resolved = {
        r.competency_id: r
        for r in db.session.scalars(
            select(Resolution).where(Resolution.trajectory_id == trajectory.id)
        )
    }
    result = {}
    for competency_id in trajectory.progress.chosen:
        judgement = judgements.get(competency_id)
        if judgement is None:
            continue
        item = Outcome(
            competency_id=competency_id,
            verdict=judgement.verdict,
            motivation=judgement.motivation,
            advice=judgement.advice,
            judgement=judgement,
            resolution=resolved.get(competency_id),
            corrections=list(judgement.corrections),
        )
        if item.resolution is not None:
            item.verdict = item.resolution.verdict
            item.motivation = item.resolution.reason
        if item.corrections:
            latest = item.corrections[-1]
            item.verdict, item.motivation, item.advice = (
                latest.verdict,
                latest.motivation,
                latest.advice,
            )
        result[competency_id] = item
    return result
