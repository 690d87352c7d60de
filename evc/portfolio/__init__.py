"""Portfolio: the candidate's evidence files (upload checks, storage, downloads)."""
