"""The admin blueprint: coordinator screens and the site administrator's screens."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__)
