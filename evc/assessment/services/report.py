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
from evc.assessment.services.common import (
    MIN_MOTIVATION,
    chosen_verdict,
    long_enough,
    notify_volunteer_and_supervisor,
    report_link,
    report_of,
    written_motivation,
)
from evc.assessment.services.completeness import require_confirmed_complete, require_working
from evc.assessment.services.judging import (
    both_judged,
    differences,
    judgements_of,
    partner_of,
    refuse_unjudged,
    resolutions_of,
)
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale, refuse_if_stale
from evc.extensions import db
from evc.procedure.models import (
    Trajectory,
)
from evc.procedure.phases import Phase
from evc.procedure.services import advance_phase, log_on_trajectory
from evc.procedure.settings import settings_of

# --- step 3: the report ---------------------------------------------------------------------


def save_summary(
    assignment: Assignment, summary: str, *, version_id: int | None, actor: User
) -> AssessmentReport:
    _require_report_writer(assignment)
    report = _report_to_write(assignment, version_id)
    report.summary = (summary or "").strip()
    flush_or_stale()
    return report


def _require_report_writer(assignment: Assignment) -> None:
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar schrijft het rapport."))
    if assignment.status not in (AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED):
        raise DomainError(_("Je beoordeling is afgerond en kan niet meer worden gewijzigd."))
    if assignment.trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Dit kan alleen tijdens de beoordeling."))


def _report_to_write(assignment: Assignment, version_id: int | None) -> AssessmentReport:
    """The stored report, or a new one for the first save; a stale form is refused."""
    report = report_of(assignment.trajectory)
    refuse_if_stale(report, version_id)
    if report is None:
        report = AssessmentReport(trajectory_id=assignment.trajectory_id)
        db.session.add(report)
    return report


def finalise(
    assignment: Assignment, summary: str, *, version_id: int | None, actor: User
) -> AssessmentReport:
    """Make the judgements final and move the trajectory to the final interview."""
    trajectory = assignment.trajectory
    _check_ready_to_finalise(assignment, summary)
    report = save_summary(assignment, summary, version_id=version_id, actor=actor)
    _make_final(report, assignment, actor)
    advance_phase(trajectory, Phase.FINAL_INTERVIEW, actor=actor)
    log_on_trajectory(trajectory, "assessment.finalised", actor=actor)
    notify_volunteer_and_supervisor(
        assignment,
        "email/assessment_final.txt",
        lambda: _("Het beoordelingsrapport is klaar"),
        link=report_link(trajectory),
    )
    return report


def _check_ready_to_finalise(assignment: Assignment, summary: str) -> None:
    """The lead finalises once step 1 is done, every competency is judged, two assessors
    agree, and the summary is written."""
    if assignment.position != 1:
        raise DomainError(_("De eerste beoordelaar maakt het rapport definitief."))
    _require_working_or_judged(assignment)
    require_confirmed_complete(assignment)
    refuse_unjudged(assignment)
    if settings_of(assignment.trajectory.organisation_id).two_assessors:
        _check_both_agree(assignment)
    message = _(
        "Schrijf een samenvatting van je beoordeling (minstens %(min)d tekens).",
        min=MIN_MOTIVATION,
    )
    long_enough(summary, message, "summary")


def _require_working_or_judged(assignment: Assignment) -> None:
    if assignment.status == AssignmentStatus.JUDGED:
        if assignment.trajectory.phase != Phase.ASSESSMENT:
            raise DomainError(_("Dit kan alleen tijdens de beoordeling."))
        return
    require_working(assignment)


def _check_both_agree(assignment: Assignment) -> None:
    """Both assessors are done, and every difference between them is resolved."""
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


def _make_final(report: AssessmentReport, assignment: Assignment, actor: User) -> None:
    """The report and the assignments of both assessors become final, at one moment."""
    partner = partner_of(assignment)
    now = utcnow()
    report.finalised_at = now
    report.finalised_by_id = actor.id
    for member in [assignment, partner] if partner else [assignment]:
        member.status = AssignmentStatus.FINALISED
        member.finalised_at = now
    flush_or_stale()


def correct(
    assignment: Assignment, competency_id: str, data: dict, *, actor: User
) -> JudgementCorrection:
    """After the report is final: a correction is a new record with a reason."""
    _require_correctable(assignment)
    judgement = judgements_of(assignment).get(competency_id)
    if judgement is None:
        raise DomainError(_("Deze competentie is niet gekozen en wordt niet beoordeeld."))
    correction = _new_correction(judgement, data, actor)
    trajectory = assignment.trajectory
    details = {"competency": competency_id, "verdict": correction.verdict.value}
    log_on_trajectory(trajectory, "assessment.corrected", actor=actor, **details)
    notify_volunteer_and_supervisor(
        assignment,
        "email/assessment_corrected.txt",
        lambda: _("Een oordeel in het beoordelingsrapport is gecorrigeerd"),
        link=report_link(trajectory),
    )
    return correction


def _require_correctable(assignment: Assignment) -> None:
    if assignment.status != AssignmentStatus.FINALISED or assignment.position != 1:
        raise DomainError(_("Alleen de eerste beoordelaar corrigeert een definitief rapport."))
    if assignment.trajectory.phase != Phase.FINAL_INTERVIEW:
        raise DomainError(
            _("Een correctie kan tot het traject is afgerond. Dit traject is al afgerond.")
        )


def _new_correction(judgement: Judgement, data: dict, actor: User) -> JudgementCorrection:
    """The corrected verdict as a new row beside the judgement, with why it changed."""
    reason = _(
        "Schrijf waarom je het oordeel corrigeert (minstens %(min)d tekens).", min=MIN_MOTIVATION
    )
    correction = JudgementCorrection(
        judgement_id=judgement.id,
        verdict=chosen_verdict(data.get("verdict")),
        motivation=written_motivation(data),
        advice=(data.get("advice") or "").strip(),
        reason=long_enough(data.get("reason"), reason, "reason"),
        corrected_by_id=actor.id,
    )
    db.session.add(correction)
    db.session.flush()
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
    resolved = resolutions_of(trajectory.id)
    return {
        c: _outcome_of(judgements[c], resolved.get(c))
        for c in trajectory.progress.chosen
        if c in judgements
    }


def _outcome_of(judgement: Judgement, resolution: Resolution | None) -> Outcome:
    corrections = list(judgement.corrections)
    verdict, motivation, advice = _standing(judgement, resolution, corrections)
    return Outcome(
        competency_id=judgement.competency_id,
        verdict=verdict,
        motivation=motivation,
        advice=advice,
        judgement=judgement,
        resolution=resolution,
        corrections=corrections,
    )


def _standing(
    judgement: Judgement, resolution: Resolution | None, corrections: list[JudgementCorrection]
) -> tuple[Verdict, str, str]:
    """Verdict, motivation and advice as they stand: the latest correction, else the verdict
    both assessors agreed on (with the lead's advice), else the lead's judgement."""
    if corrections:
        latest = corrections[-1]
        return latest.verdict, latest.motivation, latest.advice
    if resolution is not None:
        return resolution.verdict, resolution.reason, judgement.advice
    return judgement.verdict, judgement.motivation, judgement.advice
