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
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

import evc.framework
import evc.protocols.loader
from evc import create_app
from evc.db import make_engine
from evc.extensions import db as database
from evc.models import metadata
from tests.authenticator import AUTHENTICATOR, TOTP_SECRET
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
    tables = [table.name for table in metadata.sorted_tables]
    yield url, TableEmptier(engine, tables, append_only=("audit_entry",))
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


# Building an app per test keeps tests apart, but most of its cost is work whose result depends
# only on files and rules that do not change during the session: parsing the framework and
# protocol YAML, compiling a URL builder per route, compiling each template. The caches below
# keep those immutable results, keyed by everything they are computed from; every test still
# gets its own app, config, extensions, database and template environment.


def _remember_loaded_files(load_file):
    """``load_file`` that parses a file once per content; errors are raised every time."""
    loaded = {}

    def load(path, *args, **kwargs):
        try:
            key = (str(path), Path(path).read_bytes(), args, tuple(sorted(kwargs.items())))
        except (OSError, TypeError):
            return load_file(path, *args, **kwargs)
        if key not in loaded:
            loaded[key] = load_file(path, *args, **kwargs)  # frozen dataclasses: safe to share
        return loaded[key]

    return load


def _remember_url_builders(compile_builder):
    """werkzeug's ``Rule._compile_builder`` (generate and compile Python code for ``url_for``),
    once per rule shape. The function only reaches its rule through its ``self`` argument, so
    one function serves every app's copy of that rule."""
    compiled = {}

    def builder(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and name in defaults for dynamic, name in self._trace):
            return compile_builder(self, append_unknown)  # the converter is baked in: no reuse
        key = (self.rule, tuple(self._trace), tuple(map(str, defaults)), append_unknown)
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    return builder


class CompiledTemplates(BytecodeCache):
    """Compiled template code for the session, by template, source checksum and the options of
    the environment that shape the generated code."""

    def __init__(self):
        self.codes = {}

    def get_bucket(self, environment, name, filename, source):
        key = (name, filename, _code_options(environment))
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket):
        checksum, code = self.codes.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.codes[bucket.key] = (bucket.checksum, bucket.code)


def _code_options(environment) -> tuple:
    autoescape = environment.autoescape
    return (
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.newline_sequence,
        environment.keep_trailing_newline,
        tuple(sorted(environment.extensions)),
        environment.optimized,
        environment.is_async,
        getattr(autoescape, "__qualname__", autoescape),
        environment.finalize is None,
    )


TEMPLATE_CODE = CompiledTemplates()


@pytest.fixture(scope="session", autouse=True)
def startup_caches():
    with pytest.MonkeyPatch.context() as patch:
        for module in (evc.framework, evc.protocols.loader):
            patch.setattr(module, "load_file", _remember_loaded_files(module.load_file))
        patch.setattr(Rule, "_compile_builder", _remember_url_builders(Rule._compile_builder))
        yield


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
        app.jinja_env.bytecode_cache = TEMPLATE_CODE
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

    def open_link(self, link: str) -> str:
        """Open a mailed single-use link as a browser does: the link keeps its token in the
        session and redirects; returns the address of the page, which holds no token."""
        response = self.get(link)
        assert response.status_code == 302, response.status_code
        target = response.headers["Location"]
        assert link.rstrip("/").rsplit("/", 1)[-1] not in target
        return target

    def login(self, email, password="correct horse battery staple"):
        """Log in with the password and, when the login asks for it, the code of the
        person's authenticator app (``tests.authenticator``)."""
        response = self.post_form("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        if urlsplit(response.headers["Location"]).path == "/login/code":
            response = self.enter_code(email)
        return response

    def enter_code(self, email, secret=TOTP_SECRET):
        """The login's code step, with the code the person's app shows now."""
        response = self.post_form("/login/code", {"code": AUTHENTICATOR.code(email, secret)})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        return response


@pytest.fixture(autouse=True)
def authenticator():
    """The test's authenticator app; each test starts with a new database, so it forgets which
    codes were used."""
    AUTHENTICATOR.forget()
    return AUTHENTICATOR


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
