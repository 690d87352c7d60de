"""Screens of care-task protocols and clearances, and the JSON check for scheduling tools:
the protocol library, one clearance, the checks (overview, VOG, instructors) and the API."""

from __future__ import annotations

from flask import Blueprint

bp: Blueprint = Blueprint("protocols", __name__)  # annotated: the route modules import it back

from evc.protocols.views import api, checks, clearances, library  # noqa: E402  (the routes)

__all__ = ["api", "bp", "checks", "clearances", "library"]
