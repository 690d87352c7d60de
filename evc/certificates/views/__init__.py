"""Screens of the close of EVC-A: final interview and development plan (closing), the issued
certificate and badge (documents), and the public verification page and key (verify)."""

from __future__ import annotations

from evc.certificates.views import closing, documents, verify  # the routes
from evc.certificates.views.blueprint import bp
from evc.certificates.views.section import trajectory_section
from evc.procedure.views import register_trajectory_section


def init_app(app) -> None:
    register_trajectory_section(app, trajectory_section)


__all__ = ["bp", "closing", "documents", "init_app", "trajectory_section", "verify"]
