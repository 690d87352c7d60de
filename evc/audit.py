"""Audit log: who did what, when, to which object. Every state change writes one row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event
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


# Audit rows are append-only: the database refuses to change or delete one, whatever code asks.
# The one change allowed is what ON DELETE SET NULL does when an account or organisation is
# deleted: its link empties and the row stays. On PostgreSQL only that foreign-key action may
# do it (a nested trigger); SQLite cannot tell, so there the person's own UPDATE to NULL passes.
# TRUNCATE (a statement, not rows) is not refused: the tests empty the table with it. The
# migration 0010_audit_append_only installs the same triggers; create_all (the tests) uses these.
# SQLite drops a table's triggers when a batch migration rebuilds it: put them back after one.
PG_APPEND_ONLY = (
    """
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
           AND to_jsonb(NEW) - 'actor_id' - 'organisation_id'
               = to_jsonb(OLD) - 'actor_id' - 'organisation_id'
           AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
           AND (NEW.organisation_id IS NULL OR NEW.organisation_id = OLD.organisation_id) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit rows are append-only: %% refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
)
SQLITE_APPEND_ONLY = (
    """
    CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: DELETE refused'); END
    """,
    """
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
    WHEN NOT (
        NEW.id IS OLD.id AND NEW.created_at IS OLD.created_at AND NEW.action IS OLD.action
        AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id
        AND NEW.details IS OLD.details
        AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
        AND (NEW.organisation_id IS OLD.organisation_id OR NEW.organisation_id IS NULL)
    )
    BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: UPDATE refused'); END
    """,
)
for _dialect, _statements in (("postgresql", PG_APPEND_ONLY), ("sqlite", SQLITE_APPEND_ONLY)):
    for _statement in _statements:
        event.listen(
            AuditEntry.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect)
        )


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
