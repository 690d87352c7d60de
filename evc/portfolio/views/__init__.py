"""Screens of the portfolio: overview, add/edit/remove evidence, files, referees, comments."""

from __future__ import annotations

from evc import storage as storage_module
from evc.portfolio import services
from evc.portfolio.views import evidence, reading, referees  # the routes
from evc.portfolio.views.blueprint import bp
from evc.portfolio.views.evidence import kind_labels
from evc.procedure.evidence import register_evidence_counter

__all__ = ["bp", "evidence", "init_app", "kind_labels", "reading", "referees"]


def init_app(app) -> None:
    """Tell the procedure how to count evidence, and set up file storage."""
    storage_module.init_app(app)
    register_evidence_counter(app, services.count_evidence)
