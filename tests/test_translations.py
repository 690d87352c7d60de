"""Dutch is the source language; the English catalog must translate every message."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from evc.config import ROOT

KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}
METHODS = [("evc/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]


def _source_messages() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, directory_filter=lambda d: ".venv" not in d
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_an_english_translation():
    path = Path(ROOT, "evc/translations/en/LC_MESSAGES/messages.po")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, (
        f"{len(missing)} messages without English; run make extract-messages: {missing[:10]}"
    )


def test_placeholders_survive_translation():
    path = Path(ROOT, "evc/translations/en/LC_MESSAGES/messages.po")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")

    def both(value):
        return " ".join(value) if isinstance(value, tuple) else value

    wrong = [
        m.id
        for m in catalog
        if m.id and set(pattern.findall(both(m.id))) != set(pattern.findall(both(m.string)))
    ]
    assert not wrong
