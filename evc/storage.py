"""Where uploaded files live. A file becomes visible only after its database row is committed.

Keys are made by ``new_key`` from random bytes and an extension: never from user input. The
rows in the database hold the key; the storage holds the bytes.

``LocalStorage`` keeps files under ``UPLOAD_DIR`` (default ``<instance>/uploads``). Temp files
are written to ``<UPLOAD_DIR>/tmp`` (``temp_dir()``), on the same filesystem, so ``put`` is an
atomic rename: a file is either absent or complete.

An S3-compatible backend implements the same ``Storage`` protocol: ``put`` uploads the finished
temp file (multipart for large files; an object appears whole or not at all, so no rename is
needed), ``open`` returns the streaming body of a GET (or the view redirects to a short-lived
presigned URL instead), ``delete`` is a DELETE (already idempotent), ``exists`` and ``size_of``
are a HEAD. Temp files stay on local disk (``temp_dir``); only ``put`` crosses the network.

Transactions: ``put_after_commit``, ``delete_after_commit`` and ``discard_on_rollback`` record
actions in ``db.session.info["evc.file_actions"]``. When the outermost transaction commits, the
puts run, then the deletes, then the temp files are removed; when it rolls back (or the session
is closed without a commit), the temp files are removed and the deletes are forgotten. A
savepoint (``begin_nested``) that rolls back drops the puts and deletes recorded inside it; a
savepoint that is released does nothing yet: its actions wait for the outermost commit.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from evc.extensions import db

EXTENSION_KEY = "evc.storage"
TEMP_DIR_KEY = "evc.storage.tmp"
ACTIONS_KEY = "evc.file_actions"
COMMITTED_KEY = "evc.file_actions.committed"

KEY_RE = re.compile(r"[a-z0-9/_-]+\.[a-z0-9]{2,4}")
EXTENSION_RE = re.compile(r"[a-z0-9]{2,4}")

log = logging.getLogger(__name__)


@runtime_checkable
class Storage(Protocol):
    def put(self, key: str, source: Path) -> None:
        """Move (or copy) a finished temp file into place under ``key``."""

    def open(self, key: str) -> BinaryIO:
        """A binary file object to stream a download from; the caller closes it."""

    def delete(self, key: str) -> None:
        """Remove ``key``; a missing key is not an error."""

    def exists(self, key: str) -> bool: ...

    def size_of(self, key: str) -> int: ...


def check_key(key: str) -> str:
    """Return ``key`` if it is one that ``new_key`` could have made; else raise ``ValueError``."""
    if (
        not isinstance(key, str)
        or not KEY_RE.fullmatch(key)
        or ".." in key
        or "//" in key
        or key.startswith("/")
        or key.split("/", 1)[0] == "tmp"
    ):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


def new_key(extension: str) -> str:
    """A fresh random key such as ``ab/cd/<32 hex>.jpg`` (two levels of fan-out)."""
    ext = extension.lower().removeprefix(".")
    if not EXTENSION_RE.fullmatch(ext):
        raise ValueError(f"invalid extension: {extension!r}")
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token[2:4]}/{token}.{ext}"


class LocalStorage:
    """Files on the local disk under ``root``."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = self.root / check_key(key)
        if not path.resolve().is_relative_to(self.root):  # e.g. a symlinked fan-out folder
            raise ValueError(f"invalid storage key: {key!r}")
        return path

    def put(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)  # atomic on the same filesystem
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            # Another filesystem: copy next to the target, then rename (still atomic).
            partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
            try:
                shutil.copyfile(source, partial)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
            Path(source).unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def size_of(self, key: str) -> int:
        return self._path(key).stat().st_size


def init_app(app) -> None:
    """Bind a ``LocalStorage`` on ``UPLOAD_DIR`` (default ``<instance>/uploads``) to ``app``."""
    root = Path(app.config.get("UPLOAD_DIR") or Path(app.instance_path) / "uploads")
    backend = LocalStorage(root)
    temp = backend.root / "tmp"
    temp.mkdir(parents=True, exist_ok=True)
    app.extensions[EXTENSION_KEY] = backend
    app.extensions[TEMP_DIR_KEY] = temp


def storage() -> Storage:
    try:
        return current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise RuntimeError("evc.storage.init_app(app) was not called") from None


def temp_dir() -> Path:
    """Folder for this app's temp files, on the same filesystem as the stored files."""
    try:
        return current_app.extensions[TEMP_DIR_KEY]
    except KeyError:
        raise RuntimeError("evc.storage.init_app(app) was not called") from None


# --- actions that wait for the end of the database transaction -------------------------------


@dataclass
class _Action:
    kind: str  # "put", "delete" or "discard"
    key: str | None
    path: Path | None
    backend: Any  # the Storage of the app that recorded the action
    logger: logging.Logger
    transaction: SessionTransaction  # innermost transaction when recorded


def _record(kind: str, key: str | None, path: Path | None) -> None:
    session = db.session()
    # Make sure a transaction exists: without one a rollback would fire no event at all.
    if not session.in_transaction():
        session.begin()
    transaction = session.get_nested_transaction() or session.get_transaction()
    assert transaction is not None  # begun just above
    backend = storage() if kind != "discard" else None
    logger = current_app.logger if has_app_context() else log
    session.info.setdefault(ACTIONS_KEY, []).append(
        _Action(kind, key, path, backend, logger, transaction)
    )


def put_after_commit(key: str, source: Path) -> None:
    """Put ``source`` under ``key`` once the outermost transaction has committed.

    On rollback ``source`` is removed. If the put itself fails after the commit, the row is
    committed without its file: that cannot be undone, so it is logged with
    ``current_app.logger.error`` and the temp file is kept for recovery. (With an S3 backend a
    periodic reconciliation job can compare the keys in the database with the stored objects.)
    """
    _record("put", check_key(key), Path(source))


def delete_after_commit(key: str) -> None:
    """Delete ``key`` once the outermost transaction has committed; forgotten on rollback."""
    _record("delete", check_key(key), None)


def discard_on_rollback(path: Path) -> None:
    """Remove the temp file ``path`` when the transaction ends: on rollback, and also after a
    successful commit (after the puts, so a file that was put is not touched)."""
    _record("discard", None, Path(path))


def _current_transaction(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


@event.listens_for(Session, "after_commit")
def _remember_commit(session: Session) -> None:
    # Fires for the outermost commit and for each released savepoint; the transaction that is
    # committing is still the current one here.
    if session.info.get(ACTIONS_KEY):
        transaction = _current_transaction(session)
        session.info.setdefault(COMMITTED_KEY, []).append(transaction)


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction: SessionTransaction) -> None:
    actions = session.info.get(ACTIONS_KEY)
    if not actions:
        session.info.pop(COMMITTED_KEY, None)
        return
    committed = any(t is transaction for t in session.info.get(COMMITTED_KEY, ()))
    if transaction.parent is None:  # the outermost transaction
        _end_outermost(session, actions, committed)
    elif transaction.nested and not committed:  # a savepoint rolled back
        session.info[ACTIONS_KEY] = _after_savepoint_rollback(actions, transaction)


def _end_outermost(session: Session, actions: list[_Action], committed: bool) -> None:
    session.info.pop(ACTIONS_KEY, None)
    session.info.pop(COMMITTED_KEY, None)
    if committed:
        _run(actions)
    else:
        _discard(actions)


def _after_savepoint_rollback(
    actions: list[_Action], savepoint: SessionTransaction
) -> list[_Action]:
    """The actions left after ``savepoint`` rolled back: its deletes are forgotten, and the temp
    files of its puts go at the end of the outer transaction, whatever happens."""
    for action in actions:
        if action.kind != "discard" and _inside(action.transaction, savepoint):
            action.kind = "discard" if action.kind == "put" else "forgotten"
    return [a for a in actions if a.kind != "forgotten"]


def _inside(transaction: SessionTransaction | None, ancestor: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


def _run(actions: list[_Action]) -> None:
    """After the commit: every put, then every delete, then the temp files (but not those of a
    put that failed)."""
    kept = _put_all([a for a in actions if a.kind == "put"])
    _delete_all([a for a in actions if a.kind == "delete"])
    _remove_temp_files(actions, keep=kept)


def _put_all(puts: list[_Action]) -> set[Path]:
    """Store each file; returns the temp files of the puts that failed, kept for recovery."""
    kept: set[Path] = set()
    for action in puts:
        try:
            action.backend.put(action.key, action.path)
        except Exception:
            if action.path is not None:
                kept.add(action.path)
            action.logger.error(
                "Storing file %s failed after the commit; its row exists without the file. "
                "Temp file kept at %s.",
                action.key,
                action.path,
                exc_info=True,
            )
    return kept


def _delete_all(deletes: list[_Action]) -> None:
    for action in deletes:
        try:
            action.backend.delete(action.key)
        except Exception:
            action.logger.error(
                "Deleting file %s failed after the commit; it is left behind.",
                action.key,
                exc_info=True,
            )


def _discard(actions: list[_Action]) -> None:
    _remove_temp_files(actions, keep=set())


def _remove_temp_files(actions: list[_Action], keep: set[Path]) -> None:
    for action in actions:
        if action.kind not in ("put", "discard") or action.path is None or action.path in keep:
            continue
        try:
            action.path.unlink(missing_ok=True)
        except OSError:
            action.logger.warning("Could not remove temp file %s", action.path, exc_info=True)
