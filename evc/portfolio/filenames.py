"""Names of files as people see them: the display name kept with an upload, and the
``Content-Disposition`` header of a download. A name is never used as a storage key or path.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import quote

from evc.portfolio.files import EXTENSIONS

MAX_DISPLAY_NAME = 150
JPEG_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})


def _without_controls(text: str) -> str:
    """Control characters become spaces; invisible format characters (such as the right-to-left
    override that makes ``gpj.exe`` look like ``exe.jpg``) and surrogates are removed."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc":
            out.append(" ")
        elif category not in ("Cf", "Cs", "Co"):
            out.append(char)
    return "".join(out)


def _extension_fits(name: str, kind: str) -> bool:
    suffix = Path(name).suffix.lower()
    return suffix in JPEG_SUFFIXES if kind == "jpeg" else suffix == EXTENSIONS[kind]


def safe_display_name(name: str | None, kind: str) -> str:
    """The original file name, cleaned for display (never used as a storage key or path).

    Directory parts (``/`` and ``\\``) and control characters go, whitespace is collapsed,
    letters of any language stay. The name ends in an extension that fits the content (it is
    added when it does not, so a downloaded PDF named ``x.html`` is saved as ``x.html.pdf``).
    At most 150 characters, extension included. Nothing left: ``bestand`` plus the extension.
    """
    extension = EXTENSIONS[kind]
    text = _one_line((name or "").replace("\\", "/").rsplit("/", 1)[-1])
    if not text.strip(". "):
        return "bestand" + extension
    if not _extension_fits(text, kind):
        text += extension
    return _fitting(text)


def _one_line(text: str) -> str:
    """``text`` in composed form, without control characters, on one line with single spaces."""
    return " ".join(_without_controls(unicodedata.normalize("NFC", text)).split())


def _fitting(text: str) -> str:
    """At most ``MAX_DISPLAY_NAME`` characters: the stem is cut, the extension stays."""
    if len(text) <= MAX_DISPLAY_NAME:
        return text
    suffix = Path(text).suffix
    stem = text[: MAX_DISPLAY_NAME - len(suffix)].rstrip(" .")
    return (stem or "bestand") + suffix


def content_disposition(display_name: str) -> str:
    """``Content-Disposition`` value for a download (RFC 6266 with an RFC 5987 ``filename*``).

    The quoted ``filename`` is a plain-ASCII fallback; quotes, backslashes, semicolons, percent
    signs and anything outside printable ASCII become ``_`` there. ``filename*`` carries the
    real name percent-encoded as UTF-8. No input can add a line or a parameter to the header.
    """
    name = _one_line(display_name or "") or "bestand"
    plain = "".join(
        char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char)
    )
    fallback = "".join(
        char if " " <= char <= "~" and char not in '"\\;%' else "_" for char in plain
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
