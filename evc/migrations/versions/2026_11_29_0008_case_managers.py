"""Klantmanagers: municipalities as organisations, the case-manager role, agreements linked to
their municipality, the organisation setting that shares reports with klantmanagers, and the
revocation of a participation report

Revision ID: 0008_case_managers
Revises: 0007_certificates
Create Date: 2026-11-29 09:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_case_managers"
down_revision = "0007_certificates"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("volunteer", "supervisor", "assessor", "coordinator", "client", "instructor")
ROLES_AFTER = (*ROLES_BEFORE, "case_manager")
KINDS_BEFORE = ("volunteer", "assessment", "host")
KINDS_AFTER = (*KINDS_BEFORE, "municipality")


def _in(column: str, values) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _set_checks(roles, kinds) -> None:
    # Enums are stored as text with a CHECK constraint: allow (or stop allowing) the new values.
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_membership_role"), type_="check")
        batch_op.create_check_constraint("role", _in("role", roles))
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_organisation_organisationkind"), type_="check")
        batch_op.create_check_constraint("organisationkind", _in("kind", kinds))


def _key(name: str) -> str:
    key = " ".join((name or "").split()).casefold()
    return key.removeprefix("gemeente ").strip()


def _stored_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if clean.casefold().startswith("gemeente "):
        clean = clean[len("gemeente ") :].strip()
    return f"Gemeente {clean or '?'}"


def _link_municipalities(connection) -> None:
    """Each distinct municipality text becomes (or finds) a municipality organisation."""
    organisation = sa.table(
        "organisation",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("is_active", sa.Boolean),
    )
    agreement = sa.table(
        "participation_agreement",
        sa.column("id", sa.Integer),
        sa.column("municipality", sa.String),
        sa.column("municipality_id", sa.Integer),
    )
    known = {
        _key(row.name): row.id
        for row in connection.execute(
            sa.select(organisation.c.id, organisation.c.name).where(
                organisation.c.kind == "municipality"
            )
        )
    }
    taken = {row.name.lower() for row in connection.execute(sa.select(organisation.c.name))}
    rows = connection.execute(sa.select(agreement.c.id, agreement.c.municipality)).all()
    for row in rows:
        key = _key(row.municipality)
        if key not in known:
            name = _stored_name(row.municipality)
            base, number = name, 2
            while name.lower() in taken:  # a non-municipality with this name: keep both apart
                name, number = f"{base} ({number})", number + 1
            taken.add(name.lower())
            connection.execute(
                organisation.insert().values(name=name, kind="municipality", is_active=True)
            )
            known[key] = connection.execute(
                sa.select(organisation.c.id).where(organisation.c.name == name)
            ).scalar_one()
        connection.execute(
            agreement.update().where(agreement.c.id == row.id).values(municipality_id=known[key])
        )


def upgrade() -> None:
    _set_checks(ROLES_AFTER, KINDS_AFTER)
    with op.batch_alter_table("organisation_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "share_reports_with_case_managers",
                sa.Boolean(),
                server_default=sa.text("false"),
                nullable=False,
            )
        )
    with op.batch_alter_table("participation_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("revocation_reason", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_participation_report_revoked_by_id_user_account"),
            "user_account",
            ["revoked_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("participation_agreement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("municipality_id", sa.Integer(), nullable=True))
    _link_municipalities(op.get_bind())
    with op.batch_alter_table("participation_agreement", schema=None) as batch_op:
        batch_op.alter_column("municipality_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_participation_agreement_municipality_id"),
            ["municipality_id"],
            unique=False,
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_participation_agreement_municipality_id_organisation"),
            "organisation",
            ["municipality_id"],
            ["id"],
        )
        batch_op.drop_column("municipality")
    # A report belongs to the municipality it was made for (the agreement's, until now).
    with op.batch_alter_table("participation_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("municipality_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE participation_report SET municipality_id = (SELECT a.municipality_id FROM "
        "participation_agreement a WHERE a.id = participation_report.agreement_id)"
    )
    with op.batch_alter_table("participation_report", schema=None) as batch_op:
        batch_op.alter_column("municipality_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_participation_report_municipality_id"), ["municipality_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_participation_report_municipality_id_organisation"),
            "organisation",
            ["municipality_id"],
            ["id"],
        )


def downgrade() -> None:
    connection = op.get_bind()
    with op.batch_alter_table("participation_report", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_participation_report_municipality_id_organisation"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_participation_report_municipality_id"))
        batch_op.drop_column("municipality_id")
    with op.batch_alter_table("participation_agreement", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("municipality", sa.String(length=120), nullable=False, server_default="")
        )
    connection.execute(
        sa.text(
            "UPDATE participation_agreement SET municipality = "
            "(SELECT substr(o.name, 1, 120) FROM organisation o "
            "WHERE o.id = participation_agreement.municipality_id)"
        )
    )
    with op.batch_alter_table("participation_agreement", schema=None) as batch_op:
        batch_op.alter_column(
            "municipality", existing_type=sa.String(length=120), server_default=None
        )
        batch_op.drop_constraint(
            batch_op.f("fk_participation_agreement_municipality_id_organisation"),
            type_="foreignkey",
        )
        batch_op.drop_index(batch_op.f("ix_participation_agreement_municipality_id"))
        batch_op.drop_column("municipality_id")
    with op.batch_alter_table("organisation_settings", schema=None) as batch_op:
        batch_op.drop_column("share_reports_with_case_managers")
    with op.batch_alter_table("participation_report", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_participation_report_revoked_by_id_user_account"), type_="foreignkey"
        )
        batch_op.drop_column("revocation_reason")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
    # The older schema knows neither klantmanagers nor municipalities.
    connection.execute(sa.text("DELETE FROM membership WHERE role = 'case_manager'"))
    municipalities = "SELECT id FROM organisation WHERE kind = 'municipality'"
    for statement in (
        "DELETE FROM membership WHERE organisation_id IN ({})",
        "DELETE FROM organisation_settings WHERE organisation_id IN ({})",
        "UPDATE audit_entry SET organisation_id = NULL WHERE organisation_id IN ({})",
    ):
        connection.execute(sa.text(statement.format(municipalities)))
    connection.execute(sa.text("DELETE FROM organisation WHERE kind = 'municipality'"))
    _set_checks(ROLES_BEFORE, KINDS_BEFORE)
