"""Screens of the independent assessment: queues, assigning, the declaration, the three steps
(completeness, recognition, report), the report with self-rating and verdict side by side, and
the organisation's procedure settings. Each view declares the rule it enforces and the loader
of its object; the write goes through the save step."""

from __future__ import annotations

from evc.assessment import services
from evc.assessment.views import assignment, judging, overview, report  # the routes
from evc.assessment.views.blueprint import bp
from evc.assessment.views.overview import trajectory_section
from evc.procedure.services import trajectory_submitted
from evc.procedure.views import register_trajectory_section

__all__ = ["assignment", "bp", "init_app", "judging", "overview", "report", "trajectory_section"]


def init_app(app) -> None:
    """Show the assessment on the trajectory page, and reopen it when a portfolio comes back."""
    register_trajectory_section(app, trajectory_section)
    trajectory_submitted.connect(services.on_resubmitted)
