"""Test fixtures: a fresh database per test on SQLite or PostgreSQL, the app, clients, factories.

``pytest`` runs on SQLite; ``pytest --db=postgresql`` on a throwaway PostgreSQL cluster
(or the server in ``EVC_TEST_DATABASE_URL``). With ``EVC_REQUIRE_ALL=1`` (CI) a missing
PostgreSQL or chromium fails the run instead of skipping.

The schema is built once per session: each SQLite test gets a copy of a file holding the empty
schema, each PostgreSQL test the session's database with the tables it finds used emptied.
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from evc import create_app
from evc.db import make_engine
from evc.extensions import db as database
from evc.models import metadata
from tests.pg import TableEmptier, ThrowawayCluster, find_pg_bin

REQUIRE_ALL = os.environ.get("EVC_REQUIRE_ALL") == "1"


def pytest_addoption(parser):
    parser.addoption(
        "--db",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="database to run the suite on",
    )


def missing(reason: str):
    """Skip locally, fail in CI: a part of the stack that CI must have is missing."""
    if REQUIRE_ALL:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def db_kind(request) -> str:
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def postgres_server(db_kind):
    """Admin URL of a PostgreSQL server for this session, or None on SQLite."""
    if db_kind != "postgresql":
        yield None
        return
    given = os.environ.get("EVC_TEST_DATABASE_URL")
    if given:
        yield given
        return
    bin_dir = find_pg_bin()
    if bin_dir is None:
        missing("PostgreSQL server binaries (initdb, pg_ctl) not found")
    cluster = ThrowawayCluster(bin_dir)
    url = cluster.start()
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_admin(postgres_server):
    """An AUTOCOMMIT engine on the server's maintenance database (to create databases)."""
    if postgres_server is None:
        yield None
        return
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    yield admin
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_test_database(postgres_server, postgres_admin):
    """One database with the schema for the session; each test starts from empty tables."""
    if postgres_server is None:
        yield None
        return
    name = f"evc_test_{os.getpid()}"
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    metadata.create_all(engine)
    yield url, TableEmptier(engine, [table.name for table in metadata.sorted_tables])
    engine.dispose()
    with postgres_admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_schema_file(db_kind, tmp_path_factory):
    """A SQLite file with the empty schema, built once; tests work on copies of it.

    It is made through the app's engine, so the file is in the same journal mode (WAL) as one
    the app creates; closing the engine checkpoints, so the file alone is the whole database.
    """
    if db_kind != "sqlite":
        return None
    path = tmp_path_factory.mktemp("schema") / "empty.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path, sqlite_schema_file, postgres_test_database):
    """A fresh, empty database for each test: a copy of the empty SQLite schema, or emptied
    PostgreSQL tables."""
    if postgres_test_database is None:
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(sqlite_schema_file, path)
        yield f"sqlite:///{path}"
        return
    url, tables = postgres_test_database
    tables.empty()
    yield url


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "SESSION_COOKIE_SECURE": False,
    "WTF_CSRF_ENABLED": True,
    "SERVER_NAME": None,
    "BASE_URL": "",
}


@pytest.fixture
def make_app(database_url, tmp_path):
    engines = []

    def factory(**overrides):
        config = {
            **TEST_CONFIG,
            "DATABASE_URL": database_url,
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "KEY_DIR": str(tmp_path / "keys"),
            **overrides,
        }
        app = create_app(config)
        engines.append(database.engine)
        return app

    yield factory
    database.session.remove()
    for engine in engines:
        engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        database.session.remove()


@pytest.fixture
def session(app):
    return database.session


@pytest.fixture
def client(app):
    return app.test_client()


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1) or match.group(2)


class Browserless:
    """Helpers for a test client that behaves like a person with a browser (fetches the form,
    then posts it with the CSRF token)."""

    def __init__(self, client, base_url: str = "http://localhost"):
        self.client = client
        self.base_url = base_url

    def get(self, url, **kwargs):
        return self.client.get(url, base_url=self.base_url, **kwargs)

    def post_form(self, url, data=None, *, form_url=None, **kwargs):
        page = self.get(form_url or url)
        token = csrf_from(page.get_data(as_text=True))
        # Over https Flask-WTF also checks that the Referer is this site, as a browser sends it.
        headers = {"Referer": self.base_url + (form_url or url)}
        return self.client.post(
            url,
            data={"csrf_token": token, **(data or {})},
            base_url=self.base_url,
            headers=headers,
            **kwargs,
        )

    def login(self, email, password="correct horse battery staple"):
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response


@pytest.fixture
def web(client):
    return Browserless(client)


@pytest.fixture
def other_web(app):
    return Browserless(app.test_client())


@contextmanager
def count_queries():
    """Count SQL statements sent by the app's engine inside the block."""
    statements: list[str] = []

    def before(_conn, _cursor, statement, *_args):
        if statement != "BEGIN":  # SQLite's explicit BEGIN; PostgreSQL begins implicitly
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(database.engine, "before_cursor_execute", before)


@pytest.fixture
def queries():
    return count_queries


from tests.factories import *  # noqa: E402,F401,F403  (factory fixtures)
