"""The certificates blueprint, and the permission rules its screens declare."""

from __future__ import annotations

from flask import Blueprint

from evc.certificates import rules  # noqa: F401  (declares the permission rules these screens use)

bp = Blueprint("certificates", __name__)
