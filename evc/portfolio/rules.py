"""Who may add, read and change evidence. The assessment widens ``evidence.view`` with the
assessor who is working on the trajectory."""

from __future__ import annotations

from evc.permissions import declare, on
from evc.procedure.phases import Phase
from evc.procedure.rules import (
    coordinates_trajectory,
    is_trajectory_supervisor,
    is_trajectory_volunteer,
    phase_is,
)

declare(
    {
        "portfolio.add": is_trajectory_volunteer & phase_is(Phase.INTAKE, Phase.RECOGNITION),
        "portfolio.access_log": is_trajectory_volunteer,
        "evidence.view": on(
            "trajectory",
            is_trajectory_volunteer | is_trajectory_supervisor | coordinates_trajectory,
        ),
        "evidence.edit": on(
            "trajectory", is_trajectory_volunteer & phase_is(Phase.INTAKE, Phase.RECOGNITION)
        ),
        "evidence.comment": on("trajectory", is_trajectory_volunteer | is_trajectory_supervisor),
    }
)
