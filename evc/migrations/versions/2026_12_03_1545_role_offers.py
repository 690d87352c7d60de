"""Role offers: a role in another organisation waits for the person's own consent

Revision ID: 0011_role_offers
Revises: 0010_audit_append_only
Create Date: 2026-12-03 15:45:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_role_offers"
down_revision = "0010_audit_append_only"
branch_labels = None
depends_on = None

ROLES = (
    "volunteer",
    "supervisor",
    "assessor",
    "coordinator",
    "client",
    "instructor",
    "case_manager",
)
STATUSES = ("pending", "accepted", "declined", "withdrawn")


def _enum(values, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _user_key(column: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        ["user_account.id"],
        name=op.f(f"fk_role_offer_{column}_user_account"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "role_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", _enum(ROLES, "role"), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("status", _enum(STATUSES, "offerstatus"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        _user_key("user_id", "CASCADE"),
        _user_key("invited_by_id", "SET NULL"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_role_offer_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_offer")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_role_offer_token_hash")),
    )
    with op.batch_alter_table("role_offer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_role_offer_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_role_offer_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("role_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_offer_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_role_offer_user_id"))
    op.drop_table("role_offer")
