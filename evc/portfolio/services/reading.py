"""Reads of the portfolio that screens share: a trajectory's evidence, the evidence for one
competency, and who opened which item."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evc.audit import AuditEntry
from evc.extensions import db
from evc.portfolio.models import EvidenceItem, EvidenceLink
from evc.procedure.models import Trajectory

ACCESS_ACTIONS = ("evidence.viewed", "evidence.downloaded")


def items_of(trajectory: Trajectory) -> list[EvidenceItem]:
    """The trajectory's evidence with its links and referee, most recent activity first."""
    return list(
        db.session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.trajectory_id == trajectory.id)
            .options(selectinload(EvidenceItem.links), selectinload(EvidenceItem.referee))
            .order_by(EvidenceItem.activity_from.desc(), EvidenceItem.id.desc())
        )
    )


def evidence_for(trajectory: Trajectory, competency_id: str) -> list[EvidenceItem]:
    """The evidence linked to one competency, most recent activity first."""
    return list(
        db.session.scalars(
            select(EvidenceItem)
            .join(EvidenceLink, EvidenceLink.item_id == EvidenceItem.id)
            .where(
                EvidenceItem.trajectory_id == trajectory.id,
                EvidenceLink.competency_id == competency_id,
            )
            .options(selectinload(EvidenceItem.referee), selectinload(EvidenceItem.links))
            .order_by(EvidenceItem.activity_from.desc(), EvidenceItem.id)
        )
    )


def accesses_of(trajectory: Trajectory) -> list[AuditEntry]:
    """The latest 200 times someone opened or downloaded evidence of the trajectory."""
    item_ids = select(EvidenceItem.id).where(EvidenceItem.trajectory_id == trajectory.id)
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "EvidenceItem",
                AuditEntry.object_id.in_(item_ids),
                AuditEntry.action.in_(ACCESS_ACTIONS),
            )
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.id.desc())
            .limit(200)
        )
    )


def titles_of(trajectory: Trajectory) -> dict[int, str]:
    """The title of each evidence item of the trajectory, by id."""
    query = select(EvidenceItem.id, EvidenceItem.title)
    rows = db.session.execute(query.where(EvidenceItem.trajectory_id == trajectory.id))
    return {item_id: title for item_id, title in rows}
