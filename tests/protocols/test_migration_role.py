"""The migrations let the database store the new instructor role (its CHECK constraint)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from evc.migrate import downgrade, upgrade
from tests.test_migrations import empty_database_url  # noqa: F401  (fixture)


def test_migrated_database_accepts_the_instructor_role(empty_database_url):  # noqa: F811
    upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO organisation (name, kind, is_active) VALUES ('O', 'volunteer', true)")
        )
        connection.execute(
            text(
                "INSERT INTO user_account (email, display_name, language, is_active_account, "
                "is_site_admin) VALUES ('i@example.org', 'I', 'nl', true, false)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO membership (user_id, organisation_id, role) "
                "SELECT u.id, o.id, 'instructor' FROM user_account u, organisation o"
            )
        )
    engine.dispose()
    downgrade(empty_database_url, "0003_portfolio")  # removes the instructor memberships
    engine = create_engine(empty_database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM membership")).scalar_one() == 0
    engine.dispose()
