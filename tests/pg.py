"""A throwaway PostgreSQL cluster for the test session (initdb + pg_ctl on a unix socket)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")


def find_pg_bin() -> Path | None:
    for candidate in PG_BIN_CANDIDATES:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class ThrowawayCluster:
    """Starts a private cluster; as root the server runs as the ``postgres`` user."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="evcpg."))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)

    def start(self) -> str:
        if self.as_root:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o700)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "-N",
        )
        options = (
            f"-k {self.root} -c listen_addresses='' -F -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.root / "server.log"),
            "-w",
            "-o",
            options,
            "start",
        )
        return f"postgresql+psycopg://postgres@/postgres?host={self.root}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class TableEmptier:
    """Gives a database back its empty tables between tests, touching only what a test used.

    A TRUNCATE costs new files for each table and its indexes, and with CASCADE it reaches
    every table that refers to the one emptied, which is nearly all of them; most tests write to
    a handful. One query lists the tables holding rows; those are emptied with DELETE, children
    before parents, and every sequence that has handed out a number (also by a rolled-back
    insert) starts again, so each test sees the state of a newly built schema.
    """

    def __init__(self, engine: Engine, tables: list[str], append_only: tuple[str, ...] = ()):
        """``tables`` in dependency order, parents first (``metadata.sorted_tables``).
        ``append_only`` tables refuse DELETE (a row trigger): they are emptied by TRUNCATE."""
        self.engine = engine
        quote = engine.dialect.identifier_preparer.quote
        # Table names come from the models, quoted as identifiers.
        self._deletes = [
            text(f"{'TRUNCATE' if table in append_only else 'DELETE FROM'} {quote(table)}")
            for table in tables
        ]
        self._with_rows = text(
            " UNION ALL ".join(
                f"SELECT {index} WHERE EXISTS (SELECT FROM {quote(table)})"  # noqa: S608
                for index, table in enumerate(tables)
            )
        )
        self._truncate_all = text(
            f"TRUNCATE {', '.join(quote(table) for table in tables)} RESTART IDENTITY CASCADE"
        )

    def empty(self) -> None:
        try:
            with self.engine.begin() as connection:
                with_rows = connection.execute(self._with_rows).scalars().all()
                for index in sorted(with_rows, reverse=True):
                    connection.execute(self._deletes[index])
                connection.execute(text(RESTART_USED_SEQUENCES))
        except IntegrityError:  # rows referring to each other across tables: empty everything
            with self.engine.begin() as connection:
                connection.execute(self._truncate_all)


# setval instead of ALTER SEQUENCE ... RESTART: no new file per sequence. last_value is NULL for
# a sequence that has not handed out a number yet.
RESTART_USED_SEQUENCES = """
SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)
FROM pg_sequences
WHERE schemaname = current_schema() AND last_value IS NOT NULL
"""
