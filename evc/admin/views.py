"""Coordinator and site-admin screens. Writes go through ``evc.accounts.services``."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from evc.accounts import services
from evc.accounts.forms import InviteForm, OrganisationForm, RoleForm, role_choices
from evc.accounts.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    User,
    role_fits,
)
from evc.accounts.views import apply_form_error
from evc.audit import AuditEntry
from evc.errors import DomainError
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.mail import PRIVATE_KINDS, OutboxMessage, send_pending
from evc.permissions import permission, require

bp = Blueprint("admin", __name__)

PAGE_SIZE = 50


def load_organisation(organisation_id: int, rule: str) -> Organisation:
    """Load an organisation the current user coordinates (or any, for the site admin); else 404."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    require(rule, organisation)
    return organisation


def load_member(organisation: Organisation, user_id: int) -> User:
    """A person with at least one role in ``organisation``; anyone else is a 404."""
    user = db.session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(User.id == user_id, Membership.organisation_id == organisation.id)
        .options(joinedload(User.memberships))
        .limit(1)
    )
    if user is None:
        abort(404)
    return user


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


def _members_page(organisation: Organisation, invite_form: InviteForm, status: int = 200):
    invite_form.role.choices = _fitting_roles(organisation)
    return render_template(
        "admin/members.html",
        organisation=organisation,
        members=_members(organisation),
        invite_form=invite_form,
        role_names=_role_names(),
    ), status


@bp.route("/organisaties/<int:organisation_id>/leden")
@permission("organisation.manage_members", per_object=True)
def members(organisation_id: int):
    organisation = load_organisation(organisation_id, "organisation.manage_members")
    return _members_page(organisation, InviteForm())


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>")
@permission("organisation.manage_members", per_object=True)
def member(organisation_id: int, user_id: int):
    """One person's roles in this organisation, account status and the actions on them."""
    organisation = load_organisation(organisation_id, "organisation.manage_members")
    user = load_member(organisation, user_id)
    roles = sorted(user.roles_in(organisation.id))
    return render_template(
        "admin/member.html",
        organisation=organisation,
        member=user,
        roles=roles,
        role_names=_role_names(),
        addable_roles=[c for c in _fitting_roles(organisation) if Role(c.value) not in roles],
        role_form=RoleForm(),
    )


@bp.route("/organisaties/<int:organisation_id>/leden/uitnodigen", methods=["POST"])
@permission("organisation.manage_members", per_object=True)
def invite(organisation_id: int):
    organisation = load_organisation(organisation_id, "organisation.manage_members")
    form = InviteForm()
    form.role.choices = _fitting_roles(organisation)
    if not form.validate_on_submit():
        return _members_page(organisation, form, 422)
    try:
        user = services.invite_member(
            organisation,
            email=form.email.data,
            display_name=form.display_name.data,
            role=Role(form.role.data),
            language=form.language.data,
            actor=current_user._get_current_object(),
        )
    except DomainError as error:
        db.session.rollback()
        apply_form_error(form, error)
        return _members_page(organisation, form, 422)
    db.session.commit()
    send_pending()
    flash(
        _("%(name)s is toegevoegd. Er is een e-mail verstuurd.", name=user.display_name), "success"
    )
    return redirect(url_for("admin.members", organisation_id=organisation.id))


def _member_action(organisation_id: int, user_id: int, action, done_message: str):
    """Shared shape of the small POST actions on one member."""
    organisation = load_organisation(organisation_id, "organisation.manage_members")
    user = load_member(organisation, user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(organisation, user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        send_pending()
        flash(done_message % {"name": user.display_name}, "success")
    if user.roles_in(organisation.id):
        return redirect(url_for("admin.member", organisation_id=organisation.id, user_id=user.id))
    return redirect(url_for("admin.members", organisation_id=organisation.id))


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/rol-toevoegen", methods=["POST"])
@permission("organisation.manage_members", per_object=True)
def add_role(organisation_id: int, user_id: int):
    form = RoleForm()
    if not form.validate():
        abort(400)

    def action(organisation, user):
        role = Role(form.role.data)
        if role in user.roles_in(organisation.id):
            raise DomainError(_("%(name)s heeft deze rol al.", name=user.display_name))
        services.add_role(user, organisation, role, actor=current_user._get_current_object())

    return _member_action(
        organisation_id, user_id, action, _("De rol is toegevoegd voor %(name)s.")
    )


@bp.route(
    "/organisaties/<int:organisation_id>/leden/<int:user_id>/rol-verwijderen/<role>",
    methods=["POST"],
)
@permission("organisation.manage_members", per_object=True)
def remove_role(organisation_id: int, user_id: int, role: str):
    if role not in {r.value for r in Role}:
        abort(404)

    def action(organisation, user):
        services.remove_role(
            user, organisation, Role(role), actor=current_user._get_current_object()
        )

    return _member_action(
        organisation_id, user_id, action, _("De rol is verwijderd voor %(name)s.")
    )


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/blokkeren", methods=["POST"])
@permission("organisation.manage_members", per_object=True)
def deactivate(organisation_id: int, user_id: int):
    def action(organisation, user):
        services.set_account_active(
            user, False, organisation=organisation, actor=current_user._get_current_object()
        )

    return _member_action(
        organisation_id, user_id, action, _("Het account van %(name)s is geblokkeerd.")
    )


@bp.route("/organisaties/<int:organisation_id>/leden/<int:user_id>/deblokkeren", methods=["POST"])
@permission("organisation.manage_members", per_object=True)
def activate(organisation_id: int, user_id: int):
    def action(organisation, user):
        services.set_account_active(
            user, True, organisation=organisation, actor=current_user._get_current_object()
        )

    return _member_action(
        organisation_id, user_id, action, _("Het account van %(name)s kan weer gebruikt worden.")
    )


@bp.route(
    "/organisaties/<int:organisation_id>/leden/<int:user_id>/opnieuw-uitnodigen", methods=["POST"]
)
@permission("organisation.manage_members", per_object=True)
def resend_invitation(organisation_id: int, user_id: int):
    def action(organisation, user):
        services.resend_invitation(user, organisation, current_user._get_current_object())

    return _member_action(
        organisation_id, user_id, action, _("Er is een nieuwe uitnodiging gestuurd naar %(name)s.")
    )


@bp.route("/organisaties/<int:organisation_id>/logboek")
@permission("organisation.view_audit", per_object=True)
def audit_log(organisation_id: int):
    organisation = load_organisation(organisation_id, "organisation.view_audit")
    page = max(request.args.get("pagina", 1, type=int), 1)
    member_ids = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    entries = db.session.scalars(
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
        .limit(PAGE_SIZE + 1)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    subjects = _subject_names(entries)
    return render_template(
        "admin/audit_log.html",
        organisation=organisation,
        entries=entries[:PAGE_SIZE],
        subjects=subjects,
        page=page,
        has_next=len(entries) > PAGE_SIZE,
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
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.kind.not_in(PRIVATE_KINDS))
        .order_by(OutboxMessage.id.desc())
        .limit(100)
    )
    if not current_user.is_site_admin:
        coordinated = current_user.organisation_ids(Role.COORDINATOR)
        recipients = select(Membership.user_id).where(Membership.organisation_id.in_(coordinated))
        query = query.where(
            or_(
                OutboxMessage.recipient_id.in_(recipients),
                OutboxMessage.organisation_id.in_(coordinated),
            )
        )
    return render_template("admin/outbox.html", messages=db.session.scalars(query).all())


@bp.route("/beheer/organisaties", methods=["GET", "POST"])
@permission("admin.manage_organisations")
def organisations():
    form = OrganisationForm()
    status = 200
    if form.validate_on_submit():
        actor = current_user._get_current_object()
        try:
            organisation = services.create_organisation(
                form.name.data, OrganisationKind(form.kind.data), actor=actor
            )
            services.invite_member(
                organisation,
                email=form.coordinator_email.data,
                display_name=form.coordinator_name.data,
                role=Role.COORDINATOR,
                language="nl",
                actor=actor,
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            db.session.commit()
            send_pending()
            flash(
                _(
                    "De organisatie %(name)s is aangemaakt en de coördinator is uitgenodigd.",
                    name=organisation.name,
                ),
                "success",
            )
            return redirect(url_for("admin.organisations"))
    elif form.is_submitted():
        status = 422
    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    kind_labels = {choice.value: str(choice.label) for choice in form.kind.choices}
    return render_template(
        "admin/organisations.html", form=form, organisations=rows, kind_labels=kind_labels
    ), status
