"""Storage: random keys, local files, and files that appear only after the commit."""

from __future__ import annotations

import errno
import inspect
import logging
import os
import re
import tempfile
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from evc import storage as storage_module
from evc.extensions import db
from evc.portfolio.files import EXTENSIONS
from evc.storage import (
    LocalStorage,
    Storage,
    check_key,
    delete_after_commit,
    discard_on_rollback,
    new_key,
    put_after_commit,
    storage,
    temp_dir,
)

BAD_KEYS = [
    "../etc/passwd.pdf",
    "ab/../../x.pdf",
    "/ab/cd/x.pdf",
    "ab//x.pdf",
    "AB/cd/x.pdf",
    "ab/cd/x",
    "ab/cd/x.toolong",
    "ab/cd/x y.pdf",
    "ab/cd/x.pdf\n",
    "ab/cd/x.pdf/",
    "tmp/x.pdf",
    "ab\\cd\\x.pdf",
    "ab/cd/verklaring café.pdf",
    "",
]


@pytest.fixture
def files_app(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    storage_module.init_app(app)
    return app


def temp_file(data: bytes = b"inhoud") -> Path:
    fd, name = tempfile.mkstemp(dir=temp_dir(), suffix=".upload")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return Path(name)


def read(key: str) -> bytes:
    with storage().open(key) as handle:
        return handle.read()


# --- keys --------------------------------------------------------------------------------------


def test_new_key_is_random_with_two_levels_of_fan_out():
    keys = {new_key(".jpg") for _ in range(200)}
    assert len(keys) == 200
    for key in keys:
        match = re.fullmatch(r"([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{32})\.jpg", key)
        assert match and match.group(3).startswith(match.group(1) + match.group(2))
        assert check_key(key) == key
    assert new_key("PDF").endswith(".pdf") and new_key("docx").endswith(".docx")


@pytest.mark.parametrize("extension", ["", ".", "../x", "p/df", "toolong", ".p", "pdf\n"])
def test_new_key_refuses_odd_extensions(extension):
    with pytest.raises(ValueError):
        new_key(extension)


def test_keys_never_contain_user_input():
    # The only input is an extension, and only our own fixed extensions are passed in.
    assert list(inspect.signature(new_key).parameters) == ["extension"]
    for extension in EXTENSIONS.values():
        key = new_key(extension)
        assert re.fullmatch(r"[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{32}\.(pdf|jpg|png|docx|odt)", key)


@pytest.mark.parametrize("key", BAD_KEYS)
def test_bad_keys_raise_value_error(tmp_path, key):
    backend = LocalStorage(tmp_path / "store")
    source = tmp_path / "source.pdf"
    source.write_bytes(b"x")
    for call in (
        lambda: backend.put(key, source),
        lambda: backend.open(key),
        lambda: backend.delete(key),
        lambda: backend.exists(key),
        lambda: backend.size_of(key),
    ):
        with pytest.raises(ValueError):
            call()
    assert source.exists()
    assert list((tmp_path / "store").iterdir()) == []


@pytest.mark.parametrize("key", ["../x.pdf", "tmp/x.pdf"])
def test_after_commit_actions_refuse_bad_keys_at_once(files_app, key):
    with pytest.raises(ValueError):
        put_after_commit(key, temp_file())
    with pytest.raises(ValueError):
        delete_after_commit(key)


# --- LocalStorage ------------------------------------------------------------------------------


def test_local_storage_put_open_exists_size_delete(tmp_path):
    backend = LocalStorage(tmp_path / "store")
    assert isinstance(backend, Storage)
    source = tmp_path / "upload.tmp"
    source.write_bytes(b"%PDF-1.4 inhoud")
    key = new_key(".pdf")
    assert not backend.exists(key)

    backend.put(key, source)
    assert not source.exists(), "put moves the temp file into place"
    assert backend.exists(key) and backend.size_of(key) == 15
    assert (tmp_path / "store" / key).is_file()
    with backend.open(key) as handle:
        assert handle.read() == b"%PDF-1.4 inhoud"

    backend.delete(key)
    assert not backend.exists(key)
    backend.delete(key)  # a missing key is no error
    with pytest.raises(FileNotFoundError):
        backend.open(key)


def test_put_across_filesystems_copies_then_renames(tmp_path, monkeypatch):
    backend = LocalStorage(tmp_path / "store")
    source = tmp_path / "elsewhere.tmp"
    source.write_bytes(b"data")
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(Path(src))
        if Path(src) == source:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        return real_replace(src, dst)

    monkeypatch.setattr(storage_module.os, "replace", replace)
    key = new_key(".png")
    backend.put(key, source)
    assert backend.exists(key) and not source.exists()
    assert len(calls) == 2 and calls[1].name.endswith(".partial")
    assert sorted(p.name for p in (tmp_path / "store" / key).parent.iterdir()) == [Path(key).name]


def test_init_app_defaults_to_uploads_in_the_instance_folder(tmp_path):
    for value in ("", None):
        bare = Flask("bare", instance_path=str(tmp_path / f"instance-{value}"))
        bare.config["UPLOAD_DIR"] = value
        storage_module.init_app(bare)
        with bare.app_context():
            assert storage().root == tmp_path / f"instance-{value}" / "uploads"
            assert temp_dir() == tmp_path / f"instance-{value}" / "uploads" / "tmp"
            assert temp_dir().is_dir()


def test_app_storage_and_temp_dir_share_a_filesystem(files_app, tmp_path):
    assert isinstance(storage(), LocalStorage) and isinstance(storage(), Storage)
    assert storage().root == tmp_path / "uploads"
    assert temp_dir() == tmp_path / "uploads" / "tmp"
    assert temp_dir().stat().st_dev == storage().root.stat().st_dev


def test_storage_without_init_app_says_so(app):
    app.extensions.pop("evc.storage", None)
    app.extensions.pop("evc.storage.tmp", None)
    with pytest.raises(RuntimeError, match="init_app"):
        storage()
    with pytest.raises(RuntimeError, match="init_app"):
        temp_dir()


# --- after commit ------------------------------------------------------------------------------


def test_put_after_commit_appears_only_after_the_commit(files_app):
    db.session.execute(text("SELECT 1"))
    source = temp_file(b"bewijs")
    key = new_key(".pdf")
    put_after_commit(key, source)
    discard_on_rollback(source)
    db.session.flush()
    assert not storage().exists(key)

    db.session.commit()
    assert storage().exists(key) and read(key) == b"bewijs"
    assert not source.exists()
    assert list(temp_dir().iterdir()) == []


def test_put_after_commit_never_appears_after_a_rollback(files_app):
    source = temp_file()
    key = new_key(".pdf")
    put_after_commit(key, source)  # no SQL yet: the action itself starts the transaction
    db.session.rollback()
    assert not storage().exists(key)
    assert not source.exists()
    db.session.commit()  # the next transaction has nothing left to do
    assert not storage().exists(key)


def test_session_closed_without_commit_counts_as_rollback(files_app):
    db.session.execute(text("SELECT 1"))
    source = temp_file()
    key = new_key(".jpg")
    put_after_commit(key, source)
    db.session.remove()  # what the request teardown does after an error
    assert not storage().exists(key) and not source.exists()


def test_delete_after_commit_deletes_only_after_the_commit(files_app):
    key = new_key(".png")
    storage().put(key, temp_file(b"oud"))

    delete_after_commit(key)
    assert storage().exists(key)
    db.session.rollback()
    assert storage().exists(key), "a rollback forgets the delete"
    db.session.commit()
    assert storage().exists(key)

    delete_after_commit(key)
    assert storage().exists(key)
    db.session.commit()
    assert not storage().exists(key)


def test_replace_puts_the_new_file_before_deleting_the_old_one(files_app, monkeypatch):
    old_key, new = new_key(".jpg"), new_key(".jpg")
    storage().put(old_key, temp_file(b"oud"))
    order = []
    backend = storage()
    real_put, real_delete = backend.put, backend.delete
    monkeypatch.setattr(backend, "put", lambda k, s: (order.append("put"), real_put(k, s)))
    monkeypatch.setattr(backend, "delete", lambda k: (order.append("delete"), real_delete(k)))

    delete_after_commit(old_key)
    put_after_commit(new, temp_file(b"nieuw"))
    db.session.commit()
    assert order == ["put", "delete"]
    assert read(new) == b"nieuw" and not storage().exists(old_key)


def test_discard_on_rollback_removes_temp_files_on_commit_and_on_rollback(files_app):
    first, second = temp_file(), temp_file()
    discard_on_rollback(first)
    db.session.rollback()
    assert not first.exists()
    discard_on_rollback(second)
    db.session.commit()
    assert not second.exists()


def test_released_savepoint_waits_for_the_outer_commit(files_app):
    db.session.execute(text("SELECT 1"))
    key = new_key(".pdf")
    with db.session.begin_nested():
        put_after_commit(key, temp_file())
    assert not storage().exists(key), "releasing a savepoint is no commit"
    db.session.commit()
    assert storage().exists(key)


def test_rolled_back_savepoint_drops_its_own_actions_only(files_app):
    db.session.execute(text("SELECT 1"))
    kept_key, dropped_key, delete_key = new_key(".pdf"), new_key(".pdf"), new_key(".png")
    storage().put(delete_key, temp_file())
    dropped_source = temp_file()
    put_after_commit(kept_key, temp_file())
    savepoint = db.session.begin_nested()
    put_after_commit(dropped_key, dropped_source)
    delete_after_commit(delete_key)
    savepoint.rollback()

    db.session.commit()
    assert storage().exists(kept_key)
    assert not storage().exists(dropped_key) and not dropped_source.exists()
    assert storage().exists(delete_key)
    assert list(temp_dir().iterdir()) == []


def test_a_put_that_fails_after_the_commit_is_logged(files_app, caplog, monkeypatch):
    def broken_put(key, source):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage(), "put", broken_put)
    source = temp_file()
    key = new_key(".pdf")
    put_after_commit(key, source)
    discard_on_rollback(source)
    with caplog.at_level(logging.ERROR):
        db.session.commit()  # the commit itself stands; nothing is raised
    assert any(key in r.getMessage() and r.levelno == logging.ERROR for r in caplog.records)
    assert source.exists(), "the temp file is kept to recover the upload"
    source.unlink()
