"""Screens of care-task protocols and clearances, and the JSON check for scheduling tools:
the protocol library, one clearance, the checks (overview, VOG, instructors) and the API."""

from __future__ import annotations

from evc.protocols.views import api, checks, clearances, library  # the routes
from evc.protocols.views.blueprint import bp

__all__ = ["api", "bp", "checks", "clearances", "library"]
