"""Who may read and manage care-task protocols, clearances, VOGs and API tokens. The objects
carry ``organisation_id`` (or are the Organisation)."""

from __future__ import annotations

from evc.accounts.models import Role
from evc.permissions import (
    coordinates_in,
    declare,
    instructs_in,
    is_authenticated,
    predicate,
    volunteers_in,
)


@predicate
def works_with_clearances(user, _obj) -> bool:
    """Volunteer, instructor or coordinator somewhere: has a clearances page."""
    return is_authenticated(user) and any(
        user.has_role(role) for role in (Role.VOLUNTEER, Role.INSTRUCTOR, Role.COORDINATOR)
    )


@predicate
def is_clearance_volunteer(user, clearance) -> bool:
    """The volunteer the clearance is for."""
    return is_authenticated(user) and clearance.volunteer_id == user.id


@predicate
def clearance_is_open(_user, clearance) -> bool:
    """Not revoked (in progress or granted)."""
    return clearance.status != "revoked"


@predicate
def clearance_is_granted(_user, clearance) -> bool:
    return clearance.status == "granted"


declare(
    {
        "clearance.home": works_with_clearances,
        "protocol.view": volunteers_in | instructs_in | coordinates_in,
        "protocol.manage": coordinates_in,
        "clearance.overview": instructs_in | coordinates_in,
        "clearance.start": instructs_in | coordinates_in,
        "clearance.view": is_clearance_volunteer | instructs_in | coordinates_in,
        "clearance.acknowledge": is_clearance_volunteer & clearance_is_open,
        "clearance.instruct": instructs_in & ~is_clearance_volunteer & clearance_is_open,
        "clearance.revoke": (instructs_in | coordinates_in)
        & ~is_clearance_volunteer
        & clearance_is_open,
        "clearance.add_to_portfolio": is_clearance_volunteer & clearance_is_granted,
        "vog.manage": instructs_in | coordinates_in,
        "instructor.authorise": coordinates_in,
        "api_token.manage": coordinates_in,
    }
)
