"""Database plumbing: declarative base with a constraint naming convention, mixins, session.

One scoped session per request; views commit once, services only flush.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    DateTime,
    Integer,
    MetaData,
    Select,
    TypeDecorator,
    create_engine,
    event,
    func,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
    scoped_session,
    sessionmaker,
)

if TYPE_CHECKING:
    from sqlalchemy.sql import FromClause

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Timezone-aware current time in UTC (stored as such on every database)."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware datetimes in UTC on every database (SQLite returns naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, server_default=func.now()
    )


class VersionMixin:
    """Optimistic locking: a stale update raises ``StaleDataError`` instead of overwriting."""

    version_id: Mapped[int] = mapped_column(Integer, nullable=False)

    if TYPE_CHECKING:
        __table__: ClassVar[FromClause]  # the mapped subclass's table

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version_id}


class Database:
    """Engine and scoped session, bound to one app by ``init_app``."""

    def __init__(self):
        self._engine: Engine | None = None
        self.session = scoped_session(sessionmaker(expire_on_commit=False))

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            raise RuntimeError("The database is not bound to an app yet: call init_app first.")
        return self._engine

    def init_app(self, app) -> None:
        url = app.config["DATABASE_URL"]
        self._engine = make_engine(url, echo=app.config.get("SQLALCHEMY_ECHO", False))
        self.session.remove()  # a new app (tests make several) starts with a new session
        self.session.configure(bind=self.engine)
        # Each request ends its own session, also when tests keep one app context open.
        app.teardown_request(lambda _exc: self.session.remove())
        app.teardown_appcontext(lambda _exc: self.session.remove())

    def count(self, statement: Select[int]) -> int:
        """The number a ``select(func.count(...))`` counts (a count always returns one row)."""
        return self.session.scalar(statement) or 0


def make_engine(url: str, echo: bool = False) -> Engine:
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    return create_engine(url, echo=echo, pool_pre_ping=True)


def _sqlite_engine(url: str, echo: bool) -> Engine:
    """SQLite with foreign keys on, WAL, and transactions begun by SQLAlchemy."""
    engine = create_engine(url, echo=echo, connect_args={"timeout": 15})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Let SQLAlchemy, not the sqlite3 module, start transactions: otherwise a SAVEPOINT
    # before the first write runs outside a transaction and is committed on release.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")
