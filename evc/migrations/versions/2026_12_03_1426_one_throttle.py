"""One throttle table: the attempt counters of the login, the public certificate check and the
public participation report check move into ``throttle_attempt`` (scope, hashed key, moment)

The three old tables are dropped without copying their rows: they are short-lived counters
that only matter within a window of minutes, and the new table stores its keys in another
form (a keyed hash). At worst someone gets a fresh set of attempts once, right after the
upgrade. A downgrade likewise starts the old counters empty.

Revision ID: 0009_one_throttle
Revises: 0008_case_managers
Create Date: 2026-12-03 14:26:07.915191
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_one_throttle"
down_revision = "0008_case_managers"
branch_labels = None
depends_on = None

# The old counters: table -> (key columns, time column, indexes by name -> columns).
OLD_COUNTERS = {
    "login_attempt": (
        ("account_key", "address"),
        "attempted_at",
        {
            "ix_login_attempt_account_key_at": ["account_key", "attempted_at"],
            "ix_login_attempt_address_at": ["address", "attempted_at"],
        },
    ),
    "verification_attempt": (
        ("address",),
        "attempted_at",
        {"ix_verification_attempt_address_at": ["address", "attempted_at"]},
    ),
    "participation_report_check": (
        ("address",),
        "checked_at",
        {"ix_participation_report_check_address_at": ["address", "checked_at"]},
    ),
}


def _create_throttle_attempt() -> None:
    op.create_table(
        "throttle_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_attempt")),
    )
    with op.batch_alter_table("throttle_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_throttle_attempt_scope_key_at",
            ["scope", "key_hash", "attempted_at"],
            unique=False,
        )


def _drop_old_counter(table: str) -> None:
    _keys, _at, indexes = OLD_COUNTERS[table]
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in indexes:
            batch_op.drop_index(name)
    op.drop_table(table)


def _create_old_counter(table: str) -> None:
    keys, at, indexes = OLD_COUNTERS[table]
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        *(sa.Column(key, sa.String(length=64), nullable=False) for key in keys),
        sa.Column(at, sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name, columns in indexes.items():
            batch_op.create_index(name, columns, unique=False)


def upgrade() -> None:
    _create_throttle_attempt()
    for table in OLD_COUNTERS:
        _drop_old_counter(table)


def downgrade() -> None:
    for table in OLD_COUNTERS:
        _create_old_counter(table)
    with op.batch_alter_table("throttle_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_throttle_attempt_scope_key_at")
    op.drop_table("throttle_attempt")
