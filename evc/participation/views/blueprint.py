"""The participation blueprint, and the permission rules its screens declare."""

from __future__ import annotations

from flask import Blueprint

from evc.participation import rules  # noqa: F401  (declares the permission rules these screens use)

bp = Blueprint("participation", __name__)


@bp.app_template_filter("month_label")
def month_label(value) -> str:
    from flask_babel import format_date

    return format_date(value, "MMMM yyyy") if value else ""
