"""Screens of the close of EVC-A: final interview and development plan (closing), the issued
certificate and badge (documents), and the public verification page and key (verify)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import get_locale

bp: Blueprint = Blueprint("certificates", __name__)  # annotated: the route modules import it back


def language() -> str:
    return str(get_locale() or "nl")


from evc.certificates.views import closing, documents, verify  # noqa: E402  (the routes)
from evc.certificates.views.section import trajectory_section  # noqa: E402


def init_app(app) -> None:
    from evc.procedure.views import register_trajectory_section

    register_trajectory_section(app, trajectory_section)


__all__ = ["bp", "closing", "documents", "init_app", "language", "trajectory_section", "verify"]
