"""Participation log for Participatiewet clients: the agreement, the hours log, verification by
the host organisation and the minimal report for the municipality."""
