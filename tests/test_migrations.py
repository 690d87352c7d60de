"""Alembic migrations build exactly the schema of the models, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from evc.db import make_engine
from evc.migrate import downgrade, upgrade
from evc.models import metadata


@pytest.fixture
def empty_database_url(tmp_path, postgres_server, postgres_admin):
    if postgres_server is None:
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    name = f"evc_migrate_{os.getpid()}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    return diff


def test_migrations_create_exactly_the_models_schema(empty_database_url):
    upgrade(empty_database_url)
    assert _differences(empty_database_url) == []


def test_migrations_downgrade_to_nothing_and_up_again(empty_database_url):
    upgrade(empty_database_url)
    downgrade(empty_database_url, "base")
    engine = create_engine(empty_database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(empty_database_url)
    assert _differences(empty_database_url) == []


def test_upgrade_twice_keeps_the_data(empty_database_url):
    upgrade(empty_database_url)
    engine = create_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO organisation (name, kind, is_active) "
                "VALUES ('Blijft', 'volunteer', true)"
            )
        )
    upgrade(empty_database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM organisation")).scalar_one() == "Blijft"
    engine.dispose()


AUDIT_ROW = (
    "INSERT INTO audit_entry (created_at, action, details) "
    "VALUES (CURRENT_TIMESTAMP, 'test.happened', '{}')"
)


def _audit_changes_refused(engine) -> list[bool]:
    """For an UPDATE and a DELETE of an audit row: was it refused?"""
    with engine.begin() as connection:
        connection.execute(text(AUDIT_ROW))
    refused = []
    for statement in ("UPDATE audit_entry SET action = 'changed'", "DELETE FROM audit_entry"):
        try:
            with engine.begin() as connection:
                connection.execute(text(statement))
            refused.append(False)
        except DBAPIError as error:
            assert "audit rows are append-only" in str(error)
            refused.append(True)
    return refused


def test_migrations_make_audit_rows_append_only_and_take_that_back(empty_database_url):
    upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    assert _audit_changes_refused(engine) == [True, True]
    downgrade(empty_database_url, "0009_one_throttle")
    assert _audit_changes_refused(engine) == [False, False]
    upgrade(empty_database_url)
    assert _audit_changes_refused(engine) == [True, True]
    engine.dispose()
