"""Organisations, the roles people hold in them, and whether an account may be used."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User, role_fits
from evc.accounts.services.identity import find_user_by_email, normalise_email
from evc.accounts.services.links import send_invitation
from evc.accounts.services.sessions import end_all_sessions
from evc.audit import log_action
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url, mail_user


def create_organisation(name: str, kind: OrganisationKind, *, actor: User | None) -> Organisation:
    name = name.strip()
    if db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    ):
        raise DomainError(_("Er bestaat al een organisatie met deze naam."), field="name")
    organisation = Organisation(name=name, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    log_action(
        "organisation.created", actor=actor, organisation_id=organisation.id, obj=organisation
    )
    return organisation


def invite_member(
    organisation: Organisation,
    *,
    email: str,
    display_name: str,
    role: Role,
    language: str,
    actor: User,
) -> User:
    """Add ``role`` in ``organisation`` for the person with ``email``.

    A new person gets an account without password and an invitation link by mail; an existing
    person simply gets the extra role (and a notice by mail).
    """
    check_role_fits(organisation, role, field="role")
    user = find_user_by_email(email)
    if user is None:
        user = _invite_new(organisation, email, display_name, role, language, actor)
    else:
        _require_new_role(user, organisation, role)
        _tell_of_new_role(user, organisation, role)
    add_role(user, organisation, role, actor=actor)
    return user


def _require_new_role(user: User, organisation: Organisation, role: Role) -> None:
    if role in user.roles_in(organisation.id):
        raise DomainError(
            _("%(name)s heeft deze rol al in deze organisatie.", name=user.display_name),
            field="email",
        )


def _invite_new(organisation, email, display_name, role, language, actor) -> User:
    """An account without password for someone new, and the invitation link by mail."""
    user = User(email=normalise_email(email), display_name=display_name.strip(), language=language)
    db.session.add(user)
    db.session.flush()
    send_invitation(user, organisation, actor)
    log_action(
        "member.invited", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )
    return user


def _tell_of_new_role(user: User, organisation: Organisation, role: Role) -> None:
    mail_user(
        user,
        "email/role_added.txt",
        lambda: _("Je hebt een nieuwe rol in evc"),
        organisation=organisation,
        role=role,
        link=absolute_url("core.dashboard"),
    )


def check_role_fits(organisation: Organisation, role: Role, field: str | None = None) -> None:
    """A klantmanager exists only in a municipality, and a municipality has only coordinators
    and klantmanagers."""
    if role_fits(organisation.kind, role):
        return
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        message = _("Bij een gemeente kun je alleen coördinatoren en klantmanagers toevoegen.")
    else:
        message = _("Een klantmanager hoort bij een gemeente, niet bij deze organisatie.")
    raise DomainError(message, field=field)


def add_role(
    user: User, organisation: Organisation, role: Role, *, actor: User | None
) -> Membership:
    check_role_fits(organisation, role)
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    log_action(
        "role.added", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )
    return membership


def add_member_role(user: User, organisation: Organisation, role: Role, *, actor: User) -> None:
    """Give a member of ``organisation`` one more role there (not one they hold already)."""
    if role in user.roles_in(organisation.id):
        raise DomainError(_("%(name)s heeft deze rol al.", name=user.display_name))
    add_role(user, organisation, role, actor=actor)


def remove_role(user: User, organisation: Organisation, role: Role, *, actor: User) -> None:
    """Take a role away. The last coordinator cannot remove their own coordinator role."""
    membership = next(
        (m for m in user.memberships if m.organisation_id == organisation.id and m.role == role),
        None,
    )
    if membership is None:
        raise DomainError(_("Deze persoon heeft deze rol niet."))
    if role == Role.COORDINATOR and _coordinator_count(organisation) <= 1:
        raise DomainError(_("Een organisatie heeft altijd minstens één coördinator nodig."))
    user.memberships.remove(membership)
    db.session.delete(membership)
    log_action(
        "role.removed", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )
    db.session.flush()


def _coordinator_count(organisation: Organisation) -> int:
    return db.count(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == organisation.id, Membership.role == Role.COORDINATOR
        )
    )


def set_account_active(
    user: User, active: bool, *, organisation: Organisation, actor: User
) -> None:
    """Block or unblock an account. Blocking ends all of its sessions at once."""
    if user.id == actor.id and not active:
        raise DomainError(_("Je kunt je eigen account niet blokkeren."))
    user.is_active_account = active
    if not active:
        end_all_sessions(user)
    log_action(
        "account.activated" if active else "account.deactivated",
        actor=actor,
        organisation_id=organisation.id,
        obj=user,
    )
    db.session.flush()
