"""Moving a trajectory between phases. ``advance_phase`` is the only code that assigns one."""

from __future__ import annotations

from blinker import Namespace
from flask_babel import gettext as _

from evc.accounts.models import User
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale
from evc.extensions import db
from evc.procedure.models import PhaseChange, Trajectory
from evc.procedure.phases import PHASE_LABELS, Phase, Transition, transition, unmet_guards
from evc.procedure.progress import load_progress
from evc.procedure.services.common import log_on_trajectory, touch

_signals = Namespace()
# Sent after a portfolio is (re)submitted, inside the transaction: other domains react to it
# (the assessment tells an assessor who returned it that it is back).
trajectory_submitted = _signals.signal("trajectory-submitted")


def advance_phase(
    trajectory: Trajectory, target: Phase, *, actor: User | None, reason: str = ""
) -> None:
    """Move ``trajectory`` to ``target``: the only code that assigns a phase.

    Raises ``DomainError`` when the move is not in the table, a reason is required but empty,
    or a guard is not met (all unmet guards in one message). Writes a ``PhaseChange`` and an
    audit row, and flushes.
    """
    source = trajectory.phase
    reason = _check_move(trajectory, target, (reason or "").strip())
    trajectory.phase = target
    if target == Phase.ASSESSMENT:
        trajectory.submitted_at = utcnow()
    if target in (Phase.COMPLETED, Phase.WITHDRAWN):
        trajectory.closed_at = utcnow()
    _record_move(trajectory, source, target, actor, reason)
    touch(trajectory)
    flush_or_stale()


def _check_move(trajectory: Trajectory, target: Phase, reason: str) -> str:
    move = transition(trajectory.phase, target)
    if move is None:
        raise DomainError(
            _(
                "Deze stap kan nu niet: het traject is in de fase %(phase)s.",
                phase=phase_label(trajectory.phase),
            )
        )
    _check_reason(move, reason)
    load_progress([trajectory])
    problems = unmet_guards(trajectory, target)
    if problems:
        raise DomainError(" ".join(problems))
    return reason


def _check_reason(move: Transition, reason: str) -> None:
    if move.reason_required and not reason:
        raise DomainError(_("Geef een reden op."), field="reason")


def _record_move(trajectory, source: Phase, target: Phase, actor, reason: str) -> None:
    db.session.add(
        PhaseChange(
            trajectory_id=trajectory.id,
            from_phase=source,
            to_phase=target,
            actor_id=actor.id if actor else None,
            reason=reason or None,
        )
    )
    phases = {"from_phase": source.value, "to_phase": target.value}
    log_on_trajectory(trajectory, "trajectory.phase_changed", actor=actor, **phases)


def phase_label(phase: Phase) -> str:
    return str(PHASE_LABELS[phase])


def submit_for_assessment(trajectory: Trajectory, *, actor: User) -> None:
    """Hand the portfolio to the assessment phase when every guard passes."""
    advance_phase(trajectory, Phase.ASSESSMENT, actor=actor)
    log_on_trajectory(trajectory, "trajectory.submitted", actor=actor)
    trajectory_submitted.send(trajectory)


def withdraw(trajectory: Trajectory, reason: str, *, actor: User) -> None:
    """Stop a trajectory from any active phase; the reason is kept."""
    advance_phase(trajectory, Phase.WITHDRAWN, actor=actor, reason=reason)
