"""The people of care tasks: members with a role, the volunteer check, and the instructors
who may clear reserved acts (the coordinator marks them)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts.models import Membership, Organisation, Role, User
from evc.audit import log_action
from evc.errors import DomainError
from evc.extensions import db
from evc.protocols.models import ReservedActAuthorisation


def members_with_role(organisation_id: int, role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == role,
                User.is_active_account.is_(True),
            )
            .order_by(User.display_name, User.id)
        )
    )


def has_role(user: User, organisation_id: int, role: Role) -> bool:
    return bool(
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organisation_id == organisation_id,
                Membership.role == role,
            )
        )
    )


def require_volunteer(organisation: Organisation, user: User, field: str | None = None) -> None:
    if not has_role(user, organisation.id, Role.VOLUNTEER):
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."), field=field)


def volunteer_of(organisation_id: int, user_id: int | None) -> User | None:
    """The volunteer ``user_id`` of the organisation, or None for anyone else."""
    return db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(
            User.id == (user_id or 0),
            Membership.organisation_id == organisation_id,
            Membership.role == Role.VOLUNTEER,
        )
        .limit(1)
    )


def may_clear_reserved_acts(user: User, organisation_id: int) -> bool:
    return _authorisation(organisation_id, user.id) is not None


def _authorisation(organisation_id: int, user_id: int) -> ReservedActAuthorisation | None:
    """The row that lets an instructor clear reserved acts in the organisation, if any."""
    return db.session.scalar(
        select(ReservedActAuthorisation).where(
            ReservedActAuthorisation.organisation_id == organisation_id,
            ReservedActAuthorisation.user_id == user_id,
        )
    )


def set_reserved_act_authorisation(
    organisation: Organisation, instructor: User, authorised: bool, *, actor: User
) -> None:
    """Mark (or unmark) an instructor as authorised to clear reserved acts."""
    if not has_role(instructor, organisation.id, Role.INSTRUCTOR):
        raise DomainError(
            _("Alleen een instructeur kan bevoegd worden voor voorbehouden handelingen.")
        )
    if not _changed_authorisation(organisation, instructor, authorised, actor):
        return
    db.session.flush()
    log_action(
        "instructor.reserved_acts_authorised"
        if authorised
        else "instructor.reserved_acts_withdrawn",
        actor=actor,
        organisation_id=organisation.id,
        obj=instructor,
    )


def _changed_authorisation(
    organisation: Organisation, instructor: User, authorised: bool, actor: User
) -> bool:
    """Add or remove the instructor's authorisation row; False when it was so already."""
    current = _authorisation(organisation.id, instructor.id)
    if authorised and current is None:
        db.session.add(
            ReservedActAuthorisation(
                organisation_id=organisation.id, user_id=instructor.id, granted_by_id=actor.id
            )
        )
    elif not authorised and current is not None:
        db.session.delete(current)
    else:
        return False
    return True


def reserved_act_instructors(organisation_id: int) -> set[int]:
    """The ids of the organisation's instructors who may clear reserved acts."""
    query = select(ReservedActAuthorisation.user_id).where(
        ReservedActAuthorisation.organisation_id == organisation_id
    )
    return set(db.session.scalars(query))
