"""The EVC-A trajectory: phases, intake, guidance meetings, competency choice, self-assessment."""
