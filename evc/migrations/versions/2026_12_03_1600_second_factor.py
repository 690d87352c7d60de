"""The second factor: authenticator apps (the secret encrypted), recovery codes (hashed), the
pending login between password and code, and the moment a session last proved who it is

Sessions that exist at the upgrade get no ``authenticated_at``: they count as not fresh, so a
sensitive action first asks the person to confirm it is them.

Revision ID: 0012_second_factor
Revises: 0011_role_offers
Create Date: 2026-12-03 16:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_second_factor"
down_revision = "0011_role_offers"
branch_labels = None
depends_on = None

# Table -> its own columns (every table also has id, user_id and created_at).
TABLES = {
    "login_challenge": lambda: [sa.Column("token_hash", sa.String(length=64), nullable=False)],
    "recovery_code": lambda: [
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    ],
    "totp_credential": lambda: [
        sa.Column("secret_encrypted", sa.String(length=255), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_step", sa.Integer(), nullable=True),
    ],
}


def _create(table: str) -> None:
    unique = (
        [sa.UniqueConstraint("token_hash", name=op.f(f"uq_{table}_token_hash"))]
        if table == "login_challenge"
        else []
    )
    op.create_table(
        table,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        *TABLES[table](),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user_account.id"],
            name=op.f(f"fk_{table}_user_id_user_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        *unique,
    )
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_user_id"), ["user_id"], unique=False)


def _drop(table: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(batch_op.f(f"ix_{table}_user_id"))
    op.drop_table(table)


def upgrade() -> None:
    for table in TABLES:
        _create(table)
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("authenticated_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("user_session", schema=None) as batch_op:
        batch_op.drop_column("authenticated_at")
    for table in reversed(TABLES):
        _drop(table)
