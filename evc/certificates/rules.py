"""Who may record the final interview, write the plan, and issue, read and revoke the
certificate."""

from __future__ import annotations

from evc.permissions import declare, on
from evc.procedure.phases import Phase
from evc.procedure.rules import (
    coordinates_trajectory,
    is_trajectory_supervisor,
    is_trajectory_volunteer,
    phase_is,
)

CLOSING = (Phase.FINAL_INTERVIEW, Phase.COMPLETED)

declare(
    {
        "final_interview.record": is_trajectory_supervisor & phase_is(Phase.FINAL_INTERVIEW),
        "development_plan.edit": is_trajectory_supervisor & phase_is(*CLOSING),
        "development_plan.confirm": (is_trajectory_volunteer | is_trajectory_supervisor)
        & phase_is(*CLOSING),
        "certificate.issue": is_trajectory_supervisor & phase_is(Phase.FINAL_INTERVIEW),
        "certificate.download": on(
            "trajectory",
            is_trajectory_volunteer | is_trajectory_supervisor | coordinates_trajectory,
        ),
        "certificate.badge": on("trajectory", is_trajectory_volunteer),
        "certificate.revoke": on("trajectory", coordinates_trajectory),
    }
)
