"""Final interview, development plan, certificate (PDF, verification, Open Badges 3.0)."""
