"""Audit rows are append-only: triggers refuse UPDATE and DELETE on ``audit_entry``

The one change left is what ON DELETE SET NULL does when an account or organisation is deleted:
the row stays and its link empties. On PostgreSQL only that foreign-key action may do it (it
runs as a nested trigger); SQLite cannot tell the two apart. TRUNCATE is a statement, not a row
change, and is not refused. No code changes or deletes audit rows, so nothing else is affected.

SQLite drops a table's triggers when a batch migration rebuilds the table: a later migration
that alters ``audit_entry`` on SQLite must create them again.

Revision ID: 0010_audit_append_only
Revises: 0009_one_throttle
Create Date: 2026-12-03 15:19:00.000000
"""

from alembic import op

revision = "0010_audit_append_only"
down_revision = "0009_one_throttle"
branch_labels = None
depends_on = None

PG_FUNCTION = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND pg_trigger_depth() > 1
       AND to_jsonb(NEW) - 'actor_id' - 'organisation_id'
           = to_jsonb(OLD) - 'actor_id' - 'organisation_id'
       AND (NEW.actor_id IS NULL OR NEW.actor_id = OLD.actor_id)
       AND (NEW.organisation_id IS NULL OR NEW.organisation_id = OLD.organisation_id) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit rows are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
PG_TRIGGER = """
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
"""
SQLITE_NO_DELETE = """
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: DELETE refused'); END
"""
SQLITE_NO_UPDATE = """
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
WHEN NOT (
    NEW.id IS OLD.id AND NEW.created_at IS OLD.created_at AND NEW.action IS OLD.action
    AND NEW.object_type IS OLD.object_type AND NEW.object_id IS OLD.object_id
    AND NEW.details IS OLD.details
    AND (NEW.actor_id IS OLD.actor_id OR NEW.actor_id IS NULL)
    AND (NEW.organisation_id IS OLD.organisation_id OR NEW.organisation_id IS NULL)
)
BEGIN SELECT RAISE(ABORT, 'audit rows are append-only: UPDATE refused'); END
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    sqlite = (SQLITE_NO_DELETE, SQLITE_NO_UPDATE)
    for statement in (PG_FUNCTION, PG_TRIGGER) if _postgresql() else sqlite:
        op.execute(statement)


def downgrade() -> None:
    if _postgresql():
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    else:
        op.execute("DROP TRIGGER audit_entry_no_update")
        op.execute("DROP TRIGGER audit_entry_no_delete")
