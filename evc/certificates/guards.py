"""The guard of completing a trajectory: the certificates domain keeps the final interview and
the development plan."""

from __future__ import annotations

from evc.certificates.services import closing_problems
from evc.procedure.phases import Phase, register_guard


def final_interview_closed(trajectory) -> str | None:
    """The final interview is recorded and both confirmed the latest development plan."""
    return " ".join(closing_problems(trajectory)) or None


def init_app(app) -> None:
    register_guard(app, Phase.FINAL_INTERVIEW, Phase.COMPLETED, final_interview_closed)
