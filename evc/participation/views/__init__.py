"""Screens of the participation log: the client's overview and hours, the host contact's
verification, the coordinator's agreements and reports, the klantmanager's list of reports and
the public check page. The agreement page is one page for three roles; what it shows depends on
``agreement.view_private``."""

from __future__ import annotations

from evc.participation.views import agreements, case_managers, hours, reports
from evc.participation.views.blueprint import bp, month_label

__all__ = ["agreements", "bp", "case_managers", "hours", "month_label", "reports"]
