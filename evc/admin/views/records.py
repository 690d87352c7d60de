"""What an organisation's coordinator may read back: its audit log, and the mail it sent
while no SMTP server delivers mail (single-use links masked)."""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Membership, Organisation, Role, RoleOffer, User
from evc.admin.views.blueprint import bp
from evc.audit import AuditEntry
from evc.extensions import db
from evc.mail import PRIVATE_KINDS, OutboxMessage, masked_body
from evc.paging import paginate
from evc.web import actor, page, permission

PAGE_SIZE = 50


@bp.route("/organisaties/<int:organisation_id>/logboek")
@permission("organisation.view_audit", ORGANISATION)
def audit_log(organisation: Organisation):
    entries = paginate(_audit_query(organisation, actor()), size=PAGE_SIZE, count=False)
    return page(
        "admin/audit_log.html",
        organisation=organisation,
        entries=entries,
        subjects=_subject_names(entries.items),
    ).render()


def _audit_query(organisation: Organisation, viewer: User):
    """What happened in the organisation, newest first.

    Logins, passwords and the blocking of an account belong to the account, which may serve
    several organisations: a coordinator sees none of them, only what was done in his
    organisation. The site administrator also sees those account events of its members.
    """
    shown = AuditEntry.organisation_id == organisation.id
    if viewer.is_site_admin:
        shown = or_(shown, _account_events_of_members(organisation))
    return (
        select(AuditEntry)
        .where(shown)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc())
    )


def _account_events_of_members(organisation: Organisation):
    member_ids = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    return and_(
        AuditEntry.organisation_id.is_(None),
        AuditEntry.object_type == "User",
        AuditEntry.object_id.in_(member_ids),
    )


def _subject_names(entries) -> dict[tuple[str, int], str]:
    """Whom each entry is about: a person's name, or for an invitation the name the inviter
    typed (never the name of the account it went to)."""
    wanted = {(e.object_type, e.object_id) for e in entries if e.object_id}
    names: dict[tuple[str, int], str] = {}
    for kind, model in (("User", User), ("RoleOffer", RoleOffer)):
        ids = {object_id for object_type, object_id in wanted if object_type == kind}
        if ids:
            rows = db.session.execute(select(model.id, model.display_name).where(model.id.in_(ids)))
            names.update({(kind, row_id): name for row_id, name in rows})
    return names


@bp.route("/postvak-uit")
@permission("outbox.view")
def outbox():
    """Mail that has not gone out by SMTP, sent for the organisations this user coordinates.
    Single-use links are masked: only their recipient may use them."""
    messages = db.session.scalars(_outbox_query(actor())).all()
    shown = [(message, masked_body(message.body)) for message in messages]
    return page("admin/outbox.html", messages=shown).render()


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
    return query.where(OutboxMessage.organisation_id.in_(coordinated))
