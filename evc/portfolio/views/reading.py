"""Reading evidence: the item page, its file and thumbnail, and who opened what."""

from __future__ import annotations

from flask import abort, send_file
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.audit import AuditEntry
from evc.extensions import db
from evc.framework import current_framework
from evc.portfolio import services
from evc.portfolio.filenames import content_disposition
from evc.portfolio.forms import CommentForm
from evc.portfolio.loaders import ITEM
from evc.portfolio.models import EvidenceItem, EvidenceKind, RefereeStatus
from evc.portfolio.views.blueprint import bp
from evc.portfolio.views.evidence import kind_labels
from evc.procedure.loaders import TRAJECTORY
from evc.procedure.models import Trajectory
from evc.storage import storage
from evc.web import actor, commit, page, permission


@bp.route("/bewijs/<int:item_id>")
@permission("evidence.view", ITEM)
def item(item: EvidenceItem):
    services.record_access(item, actor=actor(), what="viewed")
    commit()
    return page(
        "portfolio/item.html",
        item=item,
        framework=current_framework(item.trajectory.framework_id),
        kind_labels=kind_labels(),
        comment_form=CommentForm(),
        referee=item.referee,
        RefereeStatus=RefereeStatus,
        EvidenceKind=EvidenceKind,
    ).render()


@bp.route("/bewijs/<int:item_id>/bestand")
@permission("evidence.view", ITEM)
def download(item: EvidenceItem):
    """The file, always as an attachment, sandboxed and not cached."""
    if not item.file_key:
        abort(404)
    services.record_access(item, actor=actor(), what="downloaded")
    commit()
    response = send_file(
        storage().open(item.file_key),
        mimetype=item.content_type,
        as_attachment=True,
        download_name="x",
        max_age=0,
        conditional=False,
    )
    response.headers["Content-Disposition"] = content_disposition(item.file_name or "bestand")
    return _harden(response)


@bp.route("/bewijs/<int:item_id>/miniatuur")
@permission("evidence.view", ITEM)
def thumbnail(item: EvidenceItem):
    """A small re-encoded JPEG of a photo: safe to show inline."""
    if not item.thumbnail_key:
        abort(404)
    response = send_file(
        storage().open(item.thumbnail_key), mimetype="image/jpeg", max_age=0, conditional=False
    )
    return _harden(response)


def _harden(response):
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/trajecten/<int:trajectory_id>/portfolio/inzage")
@permission("portfolio.access_log", TRAJECTORY)
def access_log(trajectory: Trajectory):
    """Who (other than the volunteer) opened which evidence, and when."""
    return page(
        "portfolio/access_log.html",
        trajectory=trajectory,
        entries=_accesses(trajectory),
        titles=_titles(trajectory),
    ).render()


def _accesses(trajectory: Trajectory) -> list[AuditEntry]:
    item_ids = select(EvidenceItem.id).where(EvidenceItem.trajectory_id == trajectory.id)
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "EvidenceItem",
                AuditEntry.object_id.in_(item_ids),
                AuditEntry.action.in_(("evidence.viewed", "evidence.downloaded")),
            )
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.id.desc())
            .limit(200)
        )
    )


def _titles(trajectory: Trajectory) -> dict[int, str]:
    rows = db.session.execute(
        select(EvidenceItem.id, EvidenceItem.title).where(
            EvidenceItem.trajectory_id == trajectory.id
        )
    )
    return {item_id: title for item_id, title in rows}
