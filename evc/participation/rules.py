"""Who may see and change participation agreements, hours and reports (Participatiewet). The
host sees activity and hours only; klantmanagers see their municipality's reports only."""

from __future__ import annotations

from evc.accounts.models import Role
from evc.participation.models import EntryStatus
from evc.participation.services import shared_with_case_managers
from evc.permissions import (
    Predicate,
    coordinates_organisation,
    declare,
    is_authenticated,
    is_supervisor_anywhere,
    on,
    predicate,
)


@predicate
def is_client_anywhere(user, _obj) -> bool:
    """A Participatiewet client (deelnemer) in at least one organisation."""
    return is_authenticated(user) and user.has_role(Role.CLIENT)


@predicate
def is_agreement_client(user, agreement) -> bool:
    """The client of this participation agreement."""
    return is_authenticated(user) and agreement.client_id == user.id


@predicate
def is_agreement_host_contact(user, agreement) -> bool:
    """The host's contact person of this agreement, while a supervisor at the host."""
    return (
        is_authenticated(user)
        and agreement.host_contact_id == user.id
        and Role.SUPERVISOR in user.roles_in(agreement.host_organisation_id)
    )


@predicate
def coordinates_agreement(user, agreement) -> bool:
    """Coordinator of the organisation that made the agreement."""
    return is_authenticated(user) and Role.COORDINATOR in user.roles_in(agreement.organisation_id)


@predicate
def is_case_manager_anywhere(user, _obj) -> bool:
    """A klantmanager of at least one municipality."""
    return is_authenticated(user) and user.has_role(Role.CASE_MANAGER)


@predicate
def is_report_case_manager(user, report) -> bool:
    """A klantmanager of the municipality the report was made for, while the organisation that
    made the agreement shares its reports with klantmanagers."""
    return (
        is_authenticated(user)
        and Role.CASE_MANAGER in user.roles_in(report.municipality_id)
        and shared_with_case_managers(report.agreement)
    )


@predicate
def entry_is_pending(_user, entry) -> bool:
    """The hours wait for the host contact's decision."""
    return entry.status == EntryStatus.PENDING


@predicate
def entry_is_approved(_user, entry) -> bool:
    """The host contact approved the hours: they are final."""
    return entry.status == EntryStatus.APPROVED


@predicate
def report_is_revoked(_user, report) -> bool:
    """The participation report was revoked (it stays as it was, marked)."""
    return report.is_revoked


def of_agreement(rule: Predicate) -> Predicate:
    """Apply an agreement predicate to the agreement of an hours entry or a report."""
    return on("agreement", rule)


declare(
    {
        "participation.own": is_client_anywhere,
        "participation.verify_queue": is_supervisor_anywhere,
        "participation.manage": coordinates_organisation,
        "agreement.view": is_agreement_client | is_agreement_host_contact | coordinates_agreement,
        # The client reference, municipality, regime, exemption reasons and reports.
        "agreement.view_private": is_agreement_client | coordinates_agreement,
        "agreement.edit": coordinates_agreement,
        "hours.log": is_agreement_client,
        "hours.edit": of_agreement(is_agreement_client),
        "hours.edit_open": of_agreement(is_agreement_client) & ~entry_is_approved,
        "hours.verify": of_agreement(is_agreement_host_contact) & entry_is_pending,
        "hours.verify_week": is_agreement_host_contact,
        "participation_report.issue": coordinates_agreement,
        "participation_report.revoke": of_agreement(coordinates_agreement),
        "participation_report.revoke_valid": of_agreement(coordinates_agreement)
        & ~report_is_revoked,
        "participation_report.view": (
            of_agreement(is_agreement_client | coordinates_agreement) | is_report_case_manager
        ),
        # Klantmanagers: the reports of their municipality's clients, nothing else of the agreement.
        "participation.case_manager": is_case_manager_anywhere,
        "participation.to_portfolio": is_agreement_client,
    }
)
