"""Independent assessment: assignments, returns, judgements, resolutions, reports, corrections;
assessment settings per organisation

Revision ID: 0004_assessment
Revises: 0003_portfolio
Create Date: 2026-11-29 06:02:50.160302
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_assessment"
down_revision = "0003_portfolio"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assessment_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "assigned",
                "active",
                "judged",
                "finalised",
                "declined",
                "withdrawn",
                name="assignmentstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("pseudonym", sa.String(length=20), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("internal_justification", sa.Text(), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("completeness_confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("judged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["assessor_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_assignment_assessor_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_assignment_assigned_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectory.id"],
            name=op.f("fk_assessment_assignment_trajectory_id_trajectory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_assignment")),
    )
    with op.batch_alter_table("assessment_assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assessment_assignment_assessor_status", ["assessor_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_assignment_trajectory_id"), ["trajectory_id"], unique=False
        )
        batch_op.create_index(
            "uq_assessment_assignment_open_position",
            ["trajectory_id", "position"],
            unique=True,
            sqlite_where=sa.text("status IN ('assigned', 'active', 'judged')"),
            postgresql_where=sa.text("status IN ('assigned', 'active', 'judged')"),
        )

    op.create_table(
        "assessment_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalised_by_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["finalised_by_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_report_finalised_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectory.id"],
            name=op.f("fk_assessment_report_trajectory_id_trajectory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_report")),
        sa.UniqueConstraint("trajectory_id", name=op.f("uq_assessment_report_trajectory_id")),
    )
    op.create_table(
        "assessment_resolution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "demonstrated",
                "not_yet",
                name="verdict",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_resolution_resolved_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectory.id"],
            name=op.f("fk_assessment_resolution_trajectory_id_trajectory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_resolution")),
        sa.UniqueConstraint(
            "trajectory_id",
            "competency_id",
            name=op.f("uq_assessment_resolution_trajectory_id_competency_id"),
        ),
    )
    op.create_table(
        "assessment_return",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("trajectory_id", sa.Integer(), nullable=False),
        sa.Column("general_note", sa.Text(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assessment_assignment.id"],
            name=op.f("fk_assessment_return_assignment_id_assessment_assignment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["trajectory_id"],
            ["trajectory.id"],
            name=op.f("fk_assessment_return_trajectory_id_trajectory"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_return")),
    )
    with op.batch_alter_table("assessment_return", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_return_assignment_id"), ["assignment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_return_trajectory_id"), ["trajectory_id"], unique=False
        )

    op.create_table(
        "judgement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=64), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "demonstrated",
                "not_yet",
                name="verdict",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("(CURRENT_TIMESTAMP)"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["assessment_assignment.id"],
            name=op.f("fk_judgement_assignment_id_assessment_assignment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgement")),
        sa.UniqueConstraint(
            "assignment_id", "competency_id", name=op.f("uq_judgement_assignment_id_competency_id")
        ),
    )
    op.create_table(
        "judgement_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("judgement_id", sa.Integer(), nullable=False),
        sa.Column(
            "verdict",
            sa.Enum(
                "demonstrated",
                "not_yet",
                name="verdict",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("corrected_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrected_by_id"],
            ["user_account.id"],
            name=op.f("fk_judgement_correction_corrected_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["judgement_id"],
            ["judgement.id"],
            name=op.f("fk_judgement_correction_judgement_id_judgement"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_judgement_correction")),
    )
    with op.batch_alter_table("judgement_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_judgement_correction_judgement_id"), ["judgement_id"], unique=False
        )

    with op.batch_alter_table("organisation_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "allow_internal_assessor",
                sa.Boolean(),
                server_default=sa.text("(false)"),
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column(
                "blind_assessment", sa.Boolean(), server_default=sa.text("(false)"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column(
                "two_assessors", sa.Boolean(), server_default=sa.text("(false)"), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("organisation_settings", schema=None) as batch_op:
        batch_op.drop_column("two_assessors")
        batch_op.drop_column("blind_assessment")
        batch_op.drop_column("allow_internal_assessor")

    with op.batch_alter_table("judgement_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_judgement_correction_judgement_id"))

    op.drop_table("judgement_correction")
    op.drop_table("judgement")
    with op.batch_alter_table("assessment_return", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_return_trajectory_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_return_assignment_id"))

    op.drop_table("assessment_return")
    op.drop_table("assessment_resolution")
    op.drop_table("assessment_report")
    with op.batch_alter_table("assessment_assignment", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_assessment_assignment_open_position",
            sqlite_where=sa.text("status IN ('assigned', 'active', 'judged')"),
            postgresql_where=sa.text("status IN ('assigned', 'active', 'judged')"),
        )
        batch_op.drop_index(batch_op.f("ix_assessment_assignment_trajectory_id"))
        batch_op.drop_index("ix_assessment_assignment_assessor_status")

    op.drop_table("assessment_assignment")
