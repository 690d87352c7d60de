"""Screens of the participation log: the client's overview and hours, the host contact's
verification, the coordinator's agreements and reports, the klantmanager's list of reports and
the public check page. The agreement page is one page for three roles; what it shows depends on
``agreement.view_private``."""

from __future__ import annotations

from flask import Blueprint

bp: Blueprint = Blueprint("participation", __name__)  # annotated: the route modules import it back


@bp.app_template_filter("month_label")
def month_label(value) -> str:
    from flask_babel import format_date

    return format_date(value, "MMMM yyyy") if value else ""


from evc.participation.views import agreements, case_managers, hours, reports  # noqa: E402

__all__ = ["agreements", "bp", "case_managers", "hours", "month_label", "reports"]
