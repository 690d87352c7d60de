"""Writes and reads of the participation log, by sub-area: agreements, hours, reports, the
klantmanagers of a municipality and the dashboard. The names other modules use are here."""

from __future__ import annotations

from evc.participation.services.agreements import (
    AGREEMENT_FIELDS,
    MAX_MINUTES_PER_WEEK,
    add_exemption,
    create_agreement,
    find_or_add_municipality,
    looks_like_bsn,
    municipalities,
    municipality_name,
    passes_eleven_test,
    update_agreement,
)
from evc.participation.services.case_managers import (
    CASE_MANAGER_PAGE_SIZE,
    case_manager_municipalities,
    case_manager_reports,
    case_manager_summary,
    case_managers_of,
    record_case_manager_read,
    shared_with_case_managers,
)
from evc.participation.services.dashboard import dashboard_summary
from evc.participation.services.hours import (
    MAX_MINUTES_PER_DAY,
    add_hours_to_portfolio,
    approve_entry,
    approve_week,
    chosen_competencies,
    decline_entry,
    log_hours,
    portfolio_trajectories,
    update_entry,
)
from evc.participation.services.reports import (
    CheckThrottled,
    check_report,
    issue_report,
    revoke_report,
)

__all__ = [
    "AGREEMENT_FIELDS",
    "CASE_MANAGER_PAGE_SIZE",
    "MAX_MINUTES_PER_DAY",
    "MAX_MINUTES_PER_WEEK",
    "CheckThrottled",
    "add_exemption",
    "add_hours_to_portfolio",
    "approve_entry",
    "approve_week",
    "case_manager_municipalities",
    "case_manager_reports",
    "case_manager_summary",
    "case_managers_of",
    "check_report",
    "chosen_competencies",
    "create_agreement",
    "dashboard_summary",
    "decline_entry",
    "find_or_add_municipality",
    "issue_report",
    "log_hours",
    "looks_like_bsn",
    "municipalities",
    "municipality_name",
    "passes_eleven_test",
    "portfolio_trajectories",
    "record_case_manager_read",
    "revoke_report",
    "shared_with_case_managers",
    "update_agreement",
    "update_entry",
]
