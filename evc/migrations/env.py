"""Alembic environment: SQLite in batch mode, PostgreSQL as is."""

from alembic import context
from sqlalchemy import event

from evc.db import make_engine
from evc.models import metadata

config = context.config
url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")


def run_migrations_offline() -> None:
    context.configure(
        url=url,
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _sqlite_without_foreign_keys(engine) -> None:
    """Batch mode rebuilds a table (copy, drop, rename). With foreign keys on, dropping the old
    table would cascade into every table that refers to it and delete those rows, so they are
    off while migrating; ``foreign_key_check`` afterwards proves nothing was left dangling."""

    @event.listens_for(engine, "connect")
    def _off(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.close()


def run_migrations_online() -> None:
    engine = make_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _sqlite_without_foreign_keys(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"Migration left rows without their parent: {broken[:5]}")
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
