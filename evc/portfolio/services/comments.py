"""Comments on evidence, and the counts the procedure reads."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from sqlalchemy import func, select

from evc.accounts.models import User
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url, mail_user
from evc.portfolio.models import (
    EvidenceComment,
    EvidenceItem,
    EvidenceLink,
)
from evc.portfolio.services.common import log_on_item
from evc.procedure.models import Trajectory


def add_comment(item: EvidenceItem, body: str, *, actor: User) -> EvidenceComment:
    """A supervisor's comment or the volunteer's answer; the item itself is not changed."""
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Schrijf eerst een reactie."), field="body")
    comment = EvidenceComment(item=item, author_id=actor.id, body=body)
    db.session.add(comment)
    log_on_item(item, "evidence.commented", actor=actor)
    mail_user(
        _other_party(item.trajectory, actor),
        "email/evidence_comment.txt",
        lambda: _("Nieuwe reactie op „%(title)s”", title=item.title),
        organisation_id=item.trajectory.organisation_id,
        author=actor,
        item=item,
        link=absolute_url("portfolio.item", item_id=item.id),
    )
    db.session.flush()
    return comment


def _other_party(trajectory: Trajectory, author: User) -> User:
    """Who reads a new comment: the volunteer, or the supervisor when the volunteer wrote it."""
    if author.id != trajectory.volunteer_id:
        return trajectory.volunteer
    return trajectory.supervisor


def count_evidence(trajectory_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Evidence items per trajectory and competency, in one query (see procedure.evidence)."""
    rows = db.session.execute(
        select(EvidenceItem.trajectory_id, EvidenceLink.competency_id, func.count(EvidenceItem.id))
        .join(EvidenceLink, EvidenceLink.item_id == EvidenceItem.id)
        .where(EvidenceItem.trajectory_id.in_(trajectory_ids))
        .group_by(EvidenceItem.trajectory_id, EvidenceLink.competency_id)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for trajectory_id, competency_id, count in rows:
        counts.setdefault(trajectory_id, {})[competency_id] = count
    return counts
