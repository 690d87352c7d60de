"""Participation log: agreements, exemptions, hours entries, issued reports, report checks

Revision ID: 0006_participation
Revises: 0005_protocols
Create Date: 2026-11-29 06:25:52.923775
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_participation"
down_revision = "0005_protocols"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "participation_report_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_report_check")),
    )
    with op.batch_alter_table("participation_report_check", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participation_report_check_address_at", ["address", "checked_at"], unique=False
        )

    op.create_table(
        "participation_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("host_organisation_id", sa.Integer(), nullable=False),
        sa.Column("host_contact_id", sa.Integer(), nullable=False),
        sa.Column("municipality", sa.String(length=120), nullable=False),
        sa.Column("client_reference", sa.String(length=40), nullable=False),
        sa.Column(
            "regime",
            sa.Enum(
                "reciprocity",
                "social_participation",
                "voluntary",
                name="regime",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("legal_reference", sa.String(length=200), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("weekly_minutes_min", sa.Integer(), nullable=False),
        sa.Column("weekly_minutes_max", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["user_account.id"],
            name=op.f("fk_participation_agreement_client_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_participation_agreement_created_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["host_contact_id"],
            ["user_account.id"],
            name=op.f("fk_participation_agreement_host_contact_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["host_organisation_id"],
            ["organisation.id"],
            name=op.f("fk_participation_agreement_host_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_participation_agreement_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_agreement")),
    )
    with op.batch_alter_table("participation_agreement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participation_agreement_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participation_agreement_host_contact_id"),
            ["host_contact_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_participation_agreement_organisation_id"),
            ["organisation_id"],
            unique=False,
        )

    op.create_table(
        "participation_exemption",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["participation_agreement.id"],
            name=op.f("fk_participation_exemption_agreement_id_participation_agreement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_exemption")),
    )
    with op.batch_alter_table("participation_exemption", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participation_exemption_agreement_id"), ["agreement_id"], unique=False
        )

    op.create_table(
        "participation_hours_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("worked_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.SmallInteger(), nullable=False),
        sa.Column("activity", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "declined",
                name="entrystatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["participation_agreement.id"],
            name=op.f("fk_participation_hours_entry_agreement_id_participation_agreement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_participation_hours_entry_decided_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_hours_entry")),
    )
    with op.batch_alter_table("participation_hours_entry", schema=None) as batch_op:
        batch_op.create_index(
            "ix_participation_hours_entry_agreement_day",
            ["agreement_id", "worked_on"],
            unique=False,
        )
        batch_op.create_index("ix_participation_hours_entry_status", ["status"], unique=False)

    op.create_table(
        "participation_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["participation_agreement.id"],
            name=op.f("fk_participation_report_agreement_id_participation_agreement"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_participation_report_issued_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participation_report")),
        sa.UniqueConstraint("number", name=op.f("uq_participation_report_number")),
    )
    with op.batch_alter_table("participation_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_participation_report_agreement_id"), ["agreement_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_participation_report_sha256"), ["sha256"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("participation_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_report_sha256"))
        batch_op.drop_index(batch_op.f("ix_participation_report_agreement_id"))

    op.drop_table("participation_report")
    with op.batch_alter_table("participation_hours_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_participation_hours_entry_status")
        batch_op.drop_index("ix_participation_hours_entry_agreement_day")

    op.drop_table("participation_hours_entry")
    with op.batch_alter_table("participation_exemption", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_exemption_agreement_id"))

    op.drop_table("participation_exemption")
    with op.batch_alter_table("participation_agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_participation_agreement_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_participation_agreement_host_contact_id"))
        batch_op.drop_index(batch_op.f("ix_participation_agreement_client_id"))

    op.drop_table("participation_agreement")
    with op.batch_alter_table("participation_report_check", schema=None) as batch_op:
        batch_op.drop_index("ix_participation_report_check_address_at")

    op.drop_table("participation_report_check")
