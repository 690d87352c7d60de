"""The EVC-A trajectory: phases, intake, guidance meetings, competency choice, self-assessment."""

from evc.procedure import progress as _progress  # noqa: F401  (gives Trajectory its progress loader)
