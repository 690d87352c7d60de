"""Screens of the EVC-A trajectory: lists and starting, the trajectory page, the intake,
guidance sessions and group meetings, competencies and self-assessment, submitting and
withdrawing."""

from __future__ import annotations

from evc.procedure.views import (  # the routes
    closing,
    intake,
    meetings,
    page,
    self_assessment,
    trajectories,
)
from evc.procedure.views.blueprint import bp
from evc.procedure.views.page import register_trajectory_section

__all__ = [
    "bp",
    "closing",
    "intake",
    "meetings",
    "page",
    "register_trajectory_section",
    "self_assessment",
    "trajectories",
]
