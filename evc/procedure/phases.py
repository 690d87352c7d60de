"""The phases of an EVC-A trajectory and THE table of allowed moves with their guards.

``evc.procedure.services.advance_phase`` is the only code that assigns a phase: it refuses moves
not in ``TRANSITIONS``, runs the guards and writes the audit rows. Guards are small functions
``(trajectory) -> message | None`` that read the trajectory and explain, in plain language, what
is still missing. Later domains (assessment, certificates) add the guards of the moves they close
with ``register_guard``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l


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
    # Their guards belong to the assessment and certificates domains, which register them.
    Transition(Phase.ASSESSMENT, Phase.FINAL_INTERVIEW),
    Transition(Phase.FINAL_INTERVIEW, Phase.COMPLETED),
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
    guards = (*move.guards, *registered_guards(move))
    return [str(message) for guard in guards if (message := guard(trajectory))]


# --- guards of later domains ------------------------------------------------------------------
# The assessment and certificates domains keep the data that closes their phases; they register
# their guards on the app, so that the procedure needs none of their models.

_GUARDS = "evc.phase_guards"


def register_guard(app, source: Phase, target: Phase, guard: Guard) -> None:
    """Add ``guard`` to the move ``source`` → ``target`` (which must be in the table)."""
    if (source, target) not in TRANSITIONS:
        raise KeyError(f"no move from {source} to {target}")
    guards = app.extensions.setdefault(_GUARDS, {}).setdefault((source, target), [])
    if guard not in guards:
        guards.append(guard)


def registered_guards(move: Transition) -> tuple[Guard, ...]:
    registry = current_app.extensions.get(_GUARDS, {})
    return tuple(registry.get((move.source, move.target), ()))
