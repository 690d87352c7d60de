"""The phases of an EVC-A trajectory and THE table of allowed moves with their guards.

``evc.procedure.services.advance_phase`` is the only code that assigns a phase: it refuses moves
not in ``TRANSITIONS``, runs the guards and writes the audit rows. Guards are small functions
``(trajectory) -> message | None`` that read the trajectory and explain, in plain language, what
is still missing. Later domains (assessment, certificates) add their guards here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select


class Phase(enum.StrEnum):
    INTAKE = "intake"
    RECOGNITION = "recognition"
    ASSESSMENT = "assessment"
    FINAL_INTERVIEW = "final_interview"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


ACTIVE_PHASES = (Phase.INTAKE, Phase.RECOGNITION, Phase.ASSESSMENT, Phase.FINAL_INTERVIEW)
# The steps a volunteer sees, in order (withdrawn is not a step).
STEPS = (*ACTIVE_PHASES, Phase.COMPLETED)

PHASE_LABELS = {
    Phase.INTAKE: _l("Begingesprek"),
    Phase.RECOGNITION: _l("Herkennen"),
    Phase.ASSESSMENT: _l("Beoordeling"),
    Phase.FINAL_INTERVIEW: _l("Eindgesprek"),
    Phase.COMPLETED: _l("Afgerond"),
    Phase.WITHDRAWN: _l("Gestopt"),
}

Guard = Callable[[object], "str | None"]


# --- guards ---------------------------------------------------------------------------------
# Each reads the trajectory and returns what is missing, or None. The data they need is loaded
# by ``evc.procedure.progress.Progress`` so that checking all guards costs a fixed number of
# queries.


def intake_confirmed(trajectory) -> str | None:
    """The intake interview is recorded by the supervisor and confirmed by the volunteer."""
    intake = trajectory.intake
    if intake is None:
        return _l("De begeleider heeft het begingesprek nog niet vastgelegd.")
    if intake.confirmed_at is None:
        return _l("De vrijwilliger heeft de afspraken van het begingesprek nog niet bevestigd.")
    return None


def enough_guidance_sessions(trajectory) -> str | None:
    """At least the organisation's minimum number of individual guidance sessions was held."""
    progress = trajectory.progress
    if progress.sessions_held < progress.sessions_required:
        return _l(
            "Individuele gesprekken gehouden: %(held)d van de %(required)d.",
            held=progress.sessions_held,
            required=progress.sessions_required,
        )
    return None


def competencies_chosen(trajectory) -> str | None:
    """At least one competency is chosen."""
    if not trajectory.progress.chosen:
        return _l("Er is nog geen competentie gekozen.")
    return None


def self_assessments_complete(trajectory) -> str | None:
    """Every chosen competency has a rating and a complete STARR example."""
    missing = trajectory.progress.incomplete_self_assessments
    if missing:
        return _l("De zelfbeoordeling is nog niet af voor: %(names)s.", names=", ".join(missing))
    return None


def evidence_for_each_competency(trajectory) -> str | None:
    """Every chosen competency is backed by at least one piece of evidence."""
    missing = trajectory.progress.competencies_without_evidence
    if missing:
        return _l("Er is nog geen bewijs voor: %(names)s.", names=", ".join(missing))
    return None


def assessment_report_final(trajectory) -> str | None:
    """The independent assessor made the report final (the assessment domain keeps it)."""
    from evc.assessment.models import AssessmentReport
    from evc.extensions import db

    final = db.session.scalar(
        select(AssessmentReport.finalised_at).where(AssessmentReport.trajectory_id == trajectory.id)
    )
    if final is None:
        return _l("Het beoordelingsrapport is nog niet definitief.")
    return None


def final_interview_closed(trajectory) -> str | None:
    """The final interview is recorded and both confirmed the latest development plan (the
    certificates domain keeps them)."""
    from evc.certificates.models import DevelopmentPlanVersion, FinalInterview
    from evc.extensions import db

    problems = []
    recorded = db.session.scalar(
        select(FinalInterview.id).where(FinalInterview.trajectory_id == trajectory.id)
    )
    if recorded is None:
        problems.append(str(_l("Het eindgesprek is nog niet vastgelegd.")))
    plan = db.session.scalar(
        select(DevelopmentPlanVersion)
        .where(DevelopmentPlanVersion.trajectory_id == trajectory.id)
        .order_by(DevelopmentPlanVersion.number.desc())
        .limit(1)
    )
    if plan is None or not plan.is_agreed:
        problems.append(
            str(_l("De vrijwilliger en de begeleider hebben het plan nog niet bevestigd."))
        )
    return " ".join(problems) or None


@dataclass(frozen=True)
class Transition:
    source: Phase
    target: Phase
    guards: tuple[Guard, ...] = ()
    reason_required: bool = False


_MOVES = [
    Transition(Phase.INTAKE, Phase.RECOGNITION, (intake_confirmed,)),
    Transition(
        Phase.RECOGNITION,
        Phase.ASSESSMENT,
        (
            intake_confirmed,
            enough_guidance_sessions,
            competencies_chosen,
            self_assessments_complete,
            evidence_for_each_competency,
        ),
    ),
    # The assessor asks for more evidence: back to recognition, with the reason.
    Transition(Phase.ASSESSMENT, Phase.RECOGNITION, reason_required=True),
    Transition(Phase.ASSESSMENT, Phase.FINAL_INTERVIEW, (assessment_report_final,)),
    Transition(Phase.FINAL_INTERVIEW, Phase.COMPLETED, (final_interview_closed,)),
    *(Transition(phase, Phase.WITHDRAWN, reason_required=True) for phase in ACTIVE_PHASES),
]

TRANSITIONS: dict[tuple[Phase, Phase], Transition] = {(m.source, m.target): m for m in _MOVES}


def transition(source: Phase, target: Phase) -> Transition | None:
    return TRANSITIONS.get((source, target))


def unmet_guards(trajectory, target: Phase) -> list[str]:
    """Plain-language messages for every guard that blocks moving ``trajectory`` to ``target``."""
    move = transition(trajectory.phase, target)
    if move is None:
        return []
    return [str(message) for guard in move.guards if (message := guard(trajectory))]
