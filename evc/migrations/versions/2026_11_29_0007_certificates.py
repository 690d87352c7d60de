"""Certificates: final interview, versioned development plans, issued certificates (PDF bytes
and their hash), and the public verification's attempt counter

Revision ID: 0007_certificates
Revises: 0006_participation
Create Date: 2026-11-29 06:27:47.325160
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_certificates"
down_revision = "0006_participation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verification_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_attempt")),
    )
    with op.batch_alter_table("verification_attempt", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verification_attempt_address_at", ["address", "attempted_at"], unique=False
        )

    op.create_table(
        "development_plan_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("goals", sa.JSON(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("volunteer_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("supervisor_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectory.id"],
            name=op.f("fk_development_plan_version_trajectory_id_trajectory"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"],
            ["user_account.id"],
            name=op.f("fk_development_plan_version_written_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_development_plan_version")),
        sa.UniqueConstraint(
            "trajectory_id", "number", name=op.f("uq_development_plan_version_trajectory_id_number")
        ),
    )
    op.create_table(
        "final_interview",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("discussed", sa.Text(), nullable=False),
        sa.Column("volunteer_reaction", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_final_interview_recorded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectory.id"],
            name=op.f("fk_final_interview_trajectory_id_trajectory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_final_interview")),
        sa.UniqueConstraint("trajectory_id", name=op.f("uq_final_interview_trajectory_id")),
    )
    op.create_table(
        "certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=24), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("competencies", sa.JSON(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("plan_version_id", sa.Integer(), nullable=True),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["user_account.id"],
            name=op.f("fk_certificate_issued_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_certificate_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_version_id"],
            ["development_plan_version.id"],
            name=op.f("fk_certificate_plan_version_id_development_plan_version"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["user_account.id"],
            name=op.f("fk_certificate_revoked_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectory.id"],
            name=op.f("fk_certificate_trajectory_id_trajectory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate")),
        sa.UniqueConstraint("number", name=op.f("uq_certificate_number")),
        sa.UniqueConstraint("trajectory_id", name=op.f("uq_certificate_trajectory_id")),
    )
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_sha256"))

    op.drop_table("certificate")
    op.drop_table("final_interview")
    op.drop_table("development_plan_version")
    with op.batch_alter_table("verification_attempt", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_attempt_address_at")

    op.drop_table("verification_attempt")
