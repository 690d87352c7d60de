"""Writes of the EVC-A procedure. ``advance_phase`` is the only code that assigns a phase.

Every function checks the domain rules, changes state, writes the audit row and flushes; the
view commits once. Mail goes to the outbox in the same transaction. Other domains and the demo
import these names from here.
"""

from __future__ import annotations

from evc.procedure.services.common import check_not_future, log_on_trajectory, notify
from evc.procedure.services.intake import confirm_intake, record_intake
from evc.procedure.services.meetings import (
    MEETING_PHASES,
    log_group_meeting,
    log_guidance_session,
)
from evc.procedure.services.moves import (
    advance_phase,
    phase_label,
    submit_for_assessment,
    trajectory_submitted,
    withdraw,
)
from evc.procedure.services.self_assessment import (
    choose_competencies,
    chosen_competencies,
    save_self_assessment,
)
from evc.procedure.services.trajectories import active_trajectory_of, start_trajectory

__all__ = [
    "MEETING_PHASES",
    "active_trajectory_of",
    "advance_phase",
    "choose_competencies",
    "check_not_future",
    "chosen_competencies",
    "confirm_intake",
    "log_group_meeting",
    "log_guidance_session",
    "log_on_trajectory",
    "notify",
    "phase_label",
    "record_intake",
    "save_self_assessment",
    "start_trajectory",
    "submit_for_assessment",
    "trajectory_submitted",
    "withdraw",
]
