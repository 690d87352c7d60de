"""Migration 0008 turns the municipality text of existing agreements into municipality
organisations (one per municipality, however it was written) and back on downgrade."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from evc.migrate import downgrade, upgrade
from tests.test_migrations import empty_database_url  # noqa: F401  (fixture)

AGREEMENT = (
    "INSERT INTO participation_agreement (organisation_id, client_id, host_organisation_id, "
    "host_contact_id, municipality, client_reference, regime, legal_reference, activity, "
    "weekly_minutes_min, weekly_minutes_max, starts_on, ends_on, version_id) "
    "SELECT o.id, u.id, h.id, u.id, :municipality, :reference, 'voluntary', 'x', 'Koken', 60, "
    "120, '2026-09-01', '2026-12-31', 1 FROM organisation o, organisation h, user_account u "
    "WHERE o.name = 'De Brug' AND h.name = 'Buurthuis'"
)


def _rows(url: str, sql: str) -> list:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(text(sql)).all()
    engine.dispose()
    return rows


def test_existing_agreements_get_their_municipality_and_keep_it_on_downgrade(
    empty_database_url,  # noqa: F811
):
    upgrade(empty_database_url, "0007_certificates")
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (name, kind, is_active) VALUES "
                "('De Brug', 'volunteer', true), ('Buurthuis', 'host', true), "
                "('Gemeente Zeist', 'volunteer', true)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO user_account (email, display_name, language, "
                "is_active_account, is_site_admin) VALUES ('d@example.org', 'D', 'nl', true, "
                "false)"
            )
        )
        for municipality, reference in (
            ("Gemeente Utrecht", "A-1"),
            ("utrecht ", "A-2"),  # the same municipality, written differently
            ("Zeist", "A-3"),  # a volunteer organisation already has that name
        ):
            connection.execute(
                text(AGREEMENT), {"municipality": municipality, "reference": reference}
            )
        # Rows that hang from the agreements and organisations (ON DELETE CASCADE): rebuilding
        # those tables on SQLite must not take them along.
        connection.execute(
            text(
                "INSERT INTO participation_hours_entry (agreement_id, worked_on, minutes, "
                "activity, note, status, decline_reason, updated_at, version_id) SELECT id, "
                "'2026-09-02', 60, 'Koken', '', 'pending', '', '2026-09-02 10:00:00+00:00', 1 "
                "FROM participation_agreement"
            )
        )
        connection.execute(
            text(
                "INSERT INTO participation_report (agreement_id, number, period_start, "
                "period_end, data, pdf, sha256) SELECT id, 'PR-' || client_reference, "
                "'2026-09-01', '2026-09-30', '{}', :pdf, 'x' FROM participation_agreement"
            ),
            {"pdf": b"%PDF"},
        )
        connection.execute(
            text(
                "INSERT INTO membership (user_id, organisation_id, role) SELECT u.id, o.id, "
                "'client' FROM user_account u, organisation o WHERE o.name = 'De Brug'"
            )
        )
    engine.dispose()

    upgrade(empty_database_url)
    linked = _rows(
        empty_database_url,
        "SELECT a.client_reference, o.name, o.kind FROM participation_agreement a "
        "JOIN organisation o ON o.id = a.municipality_id ORDER BY a.client_reference",
    )
    assert [tuple(row) for row in linked] == [
        ("A-1", "Gemeente Utrecht", "municipality"),
        ("A-2", "Gemeente Utrecht", "municipality"),
        ("A-3", "Gemeente Zeist (2)", "municipality"),
    ]
    assert _rows(empty_database_url, "SELECT count(*) FROM participation_hours_entry")[0][0] == 3
    assert _rows(empty_database_url, "SELECT count(*) FROM membership")[0][0] == 1
    # Each report belongs to the municipality of its agreement.
    reports = _rows(
        empty_database_url,
        "SELECT r.number, o.name FROM participation_report r "
        "JOIN organisation o ON o.id = r.municipality_id ORDER BY r.number",
    )
    assert [tuple(row) for row in reports] == [
        ("PR-A-1", "Gemeente Utrecht"),
        ("PR-A-2", "Gemeente Utrecht"),
        ("PR-A-3", "Gemeente Zeist (2)"),
    ]

    downgrade(empty_database_url, "0007_certificates")
    back = _rows(
        empty_database_url,
        "SELECT client_reference, municipality FROM participation_agreement "
        "ORDER BY client_reference",
    )
    assert [tuple(row) for row in back] == [
        ("A-1", "Gemeente Utrecht"),
        ("A-2", "Gemeente Utrecht"),
        ("A-3", "Gemeente Zeist (2)"),
    ]
    kinds = _rows(empty_database_url, "SELECT DISTINCT kind FROM organisation ORDER BY kind")
    assert [row[0] for row in kinds] == ["host", "volunteer"]
    assert _rows(empty_database_url, "SELECT count(*) FROM participation_hours_entry")[0][0] == 3
    assert _rows(empty_database_url, "SELECT count(*) FROM membership")[0][0] == 1
