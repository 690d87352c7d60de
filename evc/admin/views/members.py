"""The people of one organisation: the list with the invite form, one member's roles, and
the actions on a membership. Blocking a whole account is the site administrator's alone."""

from __future__ import annotations

from flask import abort, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts import services
from evc.accounts.forms import InviteForm, RoleForm, role_choices
from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Membership, Organisation, Role, User, role_fits
from evc.accounts.reauth import fresh_login
from evc.admin.views.blueprint import bp
from evc.extensions import db
from evc.formfields import filled
from evc.web import actor, done, get_or_404, page, permission, press, save


def load_member(organisation: Organisation, user_id: int) -> User:
    """A person with at least one role in ``organisation``; anyone else is a 404."""
    return get_or_404(
        User,
        user_id,
        where=lambda user: bool(user.roles_in(organisation.id)),
        options=(joinedload(User.memberships),),
    )


def _members(organisation: Organisation) -> list[tuple[User, list[Role]]]:
    rows = db.session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id)
        .order_by(User.display_name, User.id, Membership.role)
    ).all()
    members: dict[int, tuple[User, list[Role]]] = {}
    for user, role in rows:
        members.setdefault(user.id, (user, []))[1].append(role)
    return list(members.values())


def role_names() -> dict[str, str]:
    """Role labels translated once per page, not once per row."""
    return {choice.value: str(choice.label) for choice in role_choices()}


def _fitting_roles(organisation: Organisation) -> list:
    """The role choices that can be held in this kind of organisation."""
    return [c for c in role_choices() if role_fits(organisation.kind, Role(c.value))]


def _members_page(organisation: Organisation, invite_form: InviteForm):
    invite_form.role.choices = _fitting_roles(organisation)
    return page(
        "admin/members.html",
        organisation=organisation,
        members=_members(organisation),
        offers=services.open_offers_of(organisation),
        invite_form=invite_form,
        role_names=role_names(),
    )


def members_url(organisation: Organisation) -> str:
    return url_for("admin.members", organisation_id=organisation.id)


def _member_url(organisation: Organisation, user: User) -> str:
    return url_for("admin.member", organisation_id=organisation.id, user_id=user.id)


@bp.route("/organisaties/<int:organisation_id>/leden")
@permission("organisation.manage_members", ORGANISATION)
def members(organisation: Organisation):
    return _members_page(organisation, InviteForm()).render()


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>")
@permission("organisation.manage_members", ORGANISATION)
def member(organisation: Organisation, user_id: int):
    """One person's roles in this organisation, account status and the actions on them."""
    user = load_member(organisation, user_id)
    roles = sorted(user.roles_in(organisation.id))
    return page(
        "admin/member.html",
        organisation=organisation,
        member=user,
        roles=roles,
        role_names=role_names(),
        addable_roles=[c for c in _fitting_roles(organisation) if Role(c.value) not in roles],
        role_form=RoleForm(),
    ).render()


@bp.route("/organisaties/<int:organisation_id>/leden/uitnodigen", methods=["POST"])
@permission("organisation.manage_members", ORGANISATION)
def invite(organisation: Organisation):
    """The answer is the same whether or not the address has an account, and names no one."""
    form = InviteForm()
    view = _members_page(organisation, form)

    def action():
        email = filled(form.email.data)
        services.invite_member(
            organisation,
            email=email,
            display_name=filled(form.display_name.data),
            role=Role(form.role.data),
            language=form.language.data,
            actor=actor(),
        )
        message = _("We hebben een uitnodiging gestuurd naar %(email)s.", email=email.strip())
        return done(members_url(organisation), message)

    return save(form, action, view)


def _member_action(organisation: Organisation, user_id: int, change, message: str, form=None):
    """The small buttons on one member: back to the member, or to the list when no role is
    left; a refusal is shown on the member's page."""
    user = load_member(organisation, user_id)

    def action():
        change(user)
        after = _member_url(organisation, user) if user.roles_in(organisation.id) else None
        return done(after or members_url(organisation), message % {"name": user.display_name})

    return press(action, _member_url(organisation, user), form)


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/rol-toevoegen", methods=["POST"])
@permission("organisation.manage_members", ORGANISATION)
@fresh_login
def add_role(organisation: Organisation, user_id: int):
    form = RoleForm()

    def change(user):
        services.add_member_role(user, organisation, Role(form.role.data), actor=actor())

    message = _("De rol is toegevoegd voor %(name)s.")
    return _member_action(organisation, user_id, change, message, form)


@bp.route(
    "/organisaties/<int:organisation_id>/leden/<int:user_id>/rol-verwijderen/<role>",
    methods=["POST"],
)
@permission("organisation.manage_members", ORGANISATION)
@fresh_login
def remove_role(organisation: Organisation, user_id: int, role: str):
    if role not in {r.value for r in Role}:
        abort(404)

    def change(user):
        services.remove_role(user, organisation, Role(role), actor=actor())

    message = _("De rol is verwijderd voor %(name)s.")
    return _member_action(organisation, user_id, change, message)


@bp.route(
    "/organisaties/<int:organisation_id>/leden/<int:user_id>/lidmaatschap-beeindigen",
    methods=["POST"],
)
@permission("organisation.manage_members", ORGANISATION)
@fresh_login
def end_membership(organisation: Organisation, user_id: int):
    """All roles here end; the account and the person's roles elsewhere stay."""

    def change(user):
        services.end_membership(user, organisation, actor=actor())

    message = _("%(name)s hoort niet meer bij deze organisatie.")
    return _member_action(organisation, user_id, change, message)


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/blokkeren", methods=["POST"])
@permission("account.block", ORGANISATION)
@fresh_login
def deactivate(organisation: Organisation, user_id: int):
    def change(user):
        services.set_account_active(user, False, actor=actor())

    message = _("Het account van %(name)s is geblokkeerd.")
    return _member_action(organisation, user_id, change, message)


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/deblokkeren", methods=["POST"])
@permission("account.block", ORGANISATION)
@fresh_login
def activate(organisation: Organisation, user_id: int):
    def change(user):
        services.set_account_active(user, True, actor=actor())

    message = _("Het account van %(name)s kan weer gebruikt worden.")
    return _member_action(organisation, user_id, change, message)


@bp.route(
    "/organisaties/<int:organisation_id>/leden/<int:user_id>/opnieuw-uitnodigen", methods=["POST"]
)
@permission("organisation.manage_members", ORGANISATION)
def resend_invitation(organisation: Organisation, user_id: int):
    def change(user):
        services.resend_invitation(user, organisation, actor())

    message = _("Er is een nieuwe uitnodiging gestuurd naar %(name)s.")
    return _member_action(organisation, user_id, change, message)
