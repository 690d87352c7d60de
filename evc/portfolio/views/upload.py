"""Receiving an uploaded file: copied to a temp file in chunks, then checked."""

from __future__ import annotations

import secrets

from flask import current_app, request
from flask_babel import gettext as _

from evc.errors import DomainError
from evc.portfolio.files import CheckedFile, check_upload
from evc.storage import discard_on_rollback, temp_dir

CHUNK = 64 * 1024


def receive_upload() -> tuple[CheckedFile | None, str | None]:
    """Copy the uploaded file to a temp file in chunks (never whole in memory), stopping as soon
    as it is too large, then check it. Temp files are removed on rollback or after storing."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, None
    limit = current_app.config["MAX_FILE_BYTES"]
    path = temp_dir() / f"upload-{secrets.token_hex(16)}"
    discard_on_rollback(path)
    if not _copy_limited(upload.stream, path, limit):
        raise _too_large(limit)
    checked = check_upload(path, max_bytes=limit, workdir=temp_dir())
    _discard_made_files_on_rollback(checked, path)
    return checked, upload.filename


def _discard_made_files_on_rollback(checked: CheckedFile, upload_path) -> None:
    """The check may write new files (a re-encoded image, a thumbnail): they go on rollback too."""
    for made in (checked.path, checked.thumbnail):
        if made is not None and made != upload_path:
            discard_on_rollback(made)


def _too_large(limit: int) -> DomainError:
    return DomainError(
        _(
            "Het bestand is te groot. Het mag hoogstens %(mb)d MB zijn.",
            mb=max(1, limit // 1_000_000),
        ),
        field="file",
    )


def _copy_limited(stream, path, limit: int) -> bool:
    """Copy ``stream`` to ``path``; False (and a partial file) as soon as it exceeds ``limit``."""
    written = 0
    with path.open("wb") as target:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                return False
            target.write(chunk)
    return True
