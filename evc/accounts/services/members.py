"""Organisations, the roles people hold in them, and whether an account may be used."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from evc.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    RoleOffer,
    User,
    role_fits,
)
from evc.accounts.services.identity import find_user_by_email, normalise_email
from evc.accounts.services.links import send_invitation
from evc.accounts.services.offers import already_there, answer_offer, offer_role
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
) -> None:
    """Invite the person with ``email`` to ``role`` in ``organisation``.

    Someone new gets an account without password and a link to choose one. An existing account
    of another organisation gets an offer it must accept, logged in as itself; the mail looks the
    same, so the inviter cannot tell the two apart. A member of this organisation simply gets
    the extra role, as on their member page.
    """
    check_role_fits(organisation, role, field="role")
    user = find_user_by_email(email)
    if user is None:
        _invite_new(organisation, email, display_name, role, language, actor)
    elif user.roles_in(organisation.id):
        add_member_role(user, organisation, role, actor=actor)
        _tell_of_new_role(user, organisation, role)
    else:
        offer_role(
            user, organisation, role, display_name=display_name, language=language, actor=actor
        )


def _invite_new(organisation, email, display_name, role, language, actor) -> None:
    """An account without password for someone new, and the invitation link by mail."""
    user = User(email=normalise_email(email), display_name=display_name.strip(), language=language)
    db.session.add(user)
    _add_membership(user, organisation, role)
    send_invitation(user, organisation, actor)
    log_action(
        "member.invited", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )


def _tell_of_new_role(user: User, organisation: Organisation, role: Role) -> None:
    mail_user(
        user,
        "email/role_added.txt",
        lambda: _("Je hebt een nieuwe rol in evc"),
        organisation_id=organisation.id,
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


def _add_membership(user: User, organisation: Organisation, role: Role) -> Membership:
    check_role_fits(organisation, role)
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def add_role(
    user: User, organisation: Organisation, role: Role, *, actor: User | None
) -> Membership:
    membership = _add_membership(user, organisation, role)
    log_action(
        "role.added", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )
    return membership


def add_member_role(user: User, organisation: Organisation, role: Role, *, actor: User) -> None:
    """Give a member of ``organisation`` one more role there (not one they hold already)."""
    check_may_manage(user, actor)
    if role in user.roles_in(organisation.id):
        raise already_there()
    add_role(user, organisation, role, actor=actor)


def accept_offer(offer: RoleOffer, *, actor: User) -> None:
    """The person, logged in as themselves, takes the offered role."""
    answer_offer(offer, accept=True, actor=actor)
    if offer.role not in actor.roles_in(offer.organisation_id):
        add_role(actor, offer.organisation, offer.role, actor=actor)


def resend_invitation(user: User, organisation: Organisation, actor: User) -> None:
    """A fresh link to choose a password for a member who has not used the invitation yet."""
    check_may_manage(user, actor)
    if user.password_hash is not None:
        raise DomainError(_("Deze persoon heeft het account al in gebruik genomen."))
    send_invitation(user, organisation, actor)
    log_action("member.invitation_resent", actor=actor, organisation_id=organisation.id, obj=user)


def check_may_manage(user: User, actor: User) -> None:
    """Only the site administrator changes anything about the site administrator's account."""
    if user.is_site_admin and not actor.is_site_admin:
        raise DomainError(_("Alleen de sitebeheerder kan dit bij de sitebeheerder veranderen."))


def remove_role(user: User, organisation: Organisation, role: Role, *, actor: User) -> None:
    """Take a role away. The last coordinator cannot remove their own coordinator role."""
    membership = next(
        (m for m in user.memberships if m.organisation_id == organisation.id and m.role == role),
        None,
    )
    if membership is None:
        raise DomainError(_("Deze persoon heeft deze rol niet."))
    check_may_manage(user, actor)
    if role == Role.COORDINATOR and _coordinator_count(organisation) <= 1:
        raise DomainError(_("Een organisatie heeft altijd minstens één coördinator nodig."))
    user.memberships.remove(membership)
    db.session.delete(membership)
    log_action(
        "role.removed", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )
    db.session.flush()


def end_membership(user: User, organisation: Organisation, *, actor: User) -> None:
    """Take every role in ``organisation`` away: the person no longer belongs to it. The account
    and the roles elsewhere stay as they are."""
    check_may_manage(user, actor)
    for role in sorted(user.roles_in(organisation.id)):
        remove_role(user, organisation, role, actor=actor)
    log_action("membership.ended", actor=actor, organisation_id=organisation.id, obj=user)


def _coordinator_count(organisation: Organisation) -> int:
    return db.count(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == organisation.id, Membership.role == Role.COORDINATOR
        )
    )


def set_account_active(user: User, active: bool, *, actor: User) -> None:
    """Block or unblock a whole account, for every organisation: the site administrator's
    decision alone. Blocking ends all of its sessions at once."""
    if not actor.is_site_admin:
        raise DomainError(_("Alleen de sitebeheerder kan een account blokkeren."))
    if user.id == actor.id and not active:
        raise DomainError(_("Je kunt je eigen account niet blokkeren."))
    user.is_active_account = active
    if not active:
        end_all_sessions(user)
    log_action("account.activated" if active else "account.deactivated", actor=actor, obj=user)
    db.session.flush()
