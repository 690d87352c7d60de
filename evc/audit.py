"""Audit log: who did what, when, to which object. Every state change writes one row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evc.db import Base, UTCDateTime, utcnow
from evc.extensions import db


class AuditEntry(Base):
    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_org_at", "organisation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User", foreign_keys=[actor_id])


def log_action(
    action: str,
    *,
    actor=None,
    organisation_id: int | None = None,
    obj=None,
    **details,
) -> AuditEntry:
    """Add one audit row to the current transaction (the caller commits).

    ``details`` must not hold secrets or more personal data than needed to understand the event.
    """
    entry = AuditEntry(
        action=action,
        actor_id=getattr(actor, "id", None),
        organisation_id=organisation_id,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        details=details,
    )
    db.session.add(entry)
    return entry
