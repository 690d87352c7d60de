"""Coordinator and site-admin screens. Writes go through ``evc.accounts.services``."""

from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from evc.accounts import services
from evc.accounts.forms import (
    InviteForm,
    OrganisationForm,
    RoleForm,
    organisation_kind_choices,
    role_choices,
)
from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    role_fits,
)
from evc.accounts.reauth import fresh_login
from evc.audit import AuditEntry
from evc.extensions import db
from evc.formfields import filled
from evc.mail import PRIVATE_KINDS, OutboxMessage
from evc.paging import paginate
from evc.web import actor, done, get_or_404, page, permission, press, save

bp = Blueprint("admin", __name__)

PAGE_SIZE = 50


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


def _role_names() -> dict[str, str]:
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
        invite_form=invite_form,
        role_names=_role_names(),
    )


def _members_url(organisation: Organisation) -> str:
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
        role_names=_role_names(),
        addable_roles=[c for c in _fitting_roles(organisation) if Role(c.value) not in roles],
        role_form=RoleForm(),
    ).render()


@bp.route("/organisaties/<int:organisation_id>/leden/uitnodigen", methods=["POST"])
@permission("organisation.manage_members", ORGANISATION)
def invite(organisation: Organisation):
    form = InviteForm()
    view = _members_page(organisation, form)

    def action():
        user = services.invite_member(
            organisation,
            email=filled(form.email.data),
            display_name=filled(form.display_name.data),
            role=Role(form.role.data),
            language=form.language.data,
            actor=actor(),
        )
        message = _("%(name)s is toegevoegd. Er is een e-mail verstuurd.", name=user.display_name)
        return done(_members_url(organisation), message)

    return save(form, action, view)


def _member_action(organisation: Organisation, user_id: int, change, message: str, form=None):
    """The small buttons on one member: back to the member, or to the list when no role is
    left; a refusal is shown on the member's page."""
    user = load_member(organisation, user_id)

    def action():
        change(user)
        after = _member_url(organisation, user) if user.roles_in(organisation.id) else None
        return done(after or _members_url(organisation), message % {"name": user.display_name})

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


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/blokkeren", methods=["POST"])
@permission("organisation.manage_members", ORGANISATION)
@fresh_login
def deactivate(organisation: Organisation, user_id: int):
    def change(user):
        services.set_account_active(user, False, organisation=organisation, actor=actor())

    message = _("Het account van %(name)s is geblokkeerd.")
    return _member_action(organisation, user_id, change, message)


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/deblokkeren", methods=["POST"])
@permission("organisation.manage_members", ORGANISATION)
@fresh_login
def activate(organisation: Organisation, user_id: int):
    def change(user):
        services.set_account_active(user, True, organisation=organisation, actor=actor())

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


@bp.route("/organisaties/<int:organisation_id>/logboek")
@permission("organisation.view_audit", ORGANISATION)
def audit_log(organisation: Organisation):
    entries = paginate(_audit_query(organisation), size=PAGE_SIZE, count=False)
    return page(
        "admin/audit_log.html",
        organisation=organisation,
        entries=entries,
        subjects=_subject_names(entries.items),
    ).render()


def _audit_query(organisation: Organisation):
    """What happened in the organisation, and to its members' accounts, newest first."""
    member_ids = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    return (
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.organisation_id == organisation.id,
                and_(
                    AuditEntry.organisation_id.is_(None),
                    AuditEntry.object_type == "User",
                    AuditEntry.object_id.in_(member_ids),
                ),
            )
        )
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc())
    )


def _subject_names(entries) -> dict[int, str]:
    ids = {e.object_id for e in entries if e.object_type == "User" and e.object_id}
    if not ids:
        return {}
    return dict(
        db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all()
    )


@bp.route("/postvak-uit")
@permission("outbox.view")
def outbox():
    """Mail that has not gone out by SMTP, for the people this user coordinates."""
    messages = db.session.scalars(_outbox_query(actor())).all()
    return page("admin/outbox.html", messages=messages).render()


def _outbox_query(user: User):
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.kind.not_in(PRIVATE_KINDS))
        .order_by(OutboxMessage.id.desc())
        .limit(100)
    )
    if user.is_site_admin:
        return query
    coordinated = user.organisation_ids(Role.COORDINATOR)
    recipients = select(Membership.user_id).where(Membership.organisation_id.in_(coordinated))
    return query.where(
        or_(
            OutboxMessage.recipient_id.in_(recipients),
            OutboxMessage.organisation_id.in_(coordinated),
        )
    )


@bp.route("/beheer/organisaties", methods=["GET", "POST"])
@permission("admin.manage_organisations")
def organisations():
    form = OrganisationForm()

    def action():
        organisation = _create_organisation(form)
        message = _(
            "De organisatie %(name)s is aangemaakt en de coördinator is uitgenodigd.",
            name=organisation.name,
        )
        return done(url_for("admin.organisations"), message)

    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    kind_labels = {choice.value: str(choice.label) for choice in organisation_kind_choices()}
    view = page("admin/organisations.html", form=form, organisations=rows, kind_labels=kind_labels)
    return save(form, action, view)


def _create_organisation(form: OrganisationForm) -> Organisation:
    """The new organisation, with its first coordinator invited."""
    organisation = services.create_organisation(
        filled(form.name.data), OrganisationKind(form.kind.data), actor=actor()
    )
    services.invite_member(
        organisation,
        email=filled(form.coordinator_email.data),
        display_name=filled(form.coordinator_name.data),
        role=Role.COORDINATOR,
        language="nl",
        actor=actor(),
    )
    return organisation
