"""Read-only competency frameworks from ``competencies/*.yaml``.

Rows elsewhere refer to competencies by their stable string id; a trajectory records the
framework version it started under. The files are validated when the app starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from evc.datafiles import DataFileError, Reader, read_yaml
from evc.datafiles import load_directory as load_all

LANGUAGES = ("nl", "en")
SCALE_SIZE = 4
COMPETENCY_COUNT = 12
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")


class FrameworkError(DataFileError):
    """A framework file is broken; the message names the file and the key."""


@dataclass(frozen=True)
class Text:
    nl: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language == "en" else self.nl


@dataclass(frozen=True)
class ScalePoint:
    value: int
    label: Text
    description: Text


@dataclass(frozen=True)
class Competency:
    id: str
    number: int
    name: Text
    definition: Text
    behaviours: tuple[Text, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    source: str
    name: Text
    scale: tuple[ScalePoint, ...]
    competencies: tuple[Competency, ...]

    def competency(self, competency_id: str) -> Competency:
        for competency in self.competencies:
            if competency.id == competency_id:
                return competency
        raise KeyError(competency_id)

    @property
    def competency_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.competencies)


class _Reader(Reader):
    """The shared reader plus the two-language texts and numbered items of a framework."""

    def text(self, data: dict, name: str, key: str) -> Text:
        return self.text_value(self.present(data, name, key), f"{key}.{name}" if key else name)

    def text_value(self, value, key: str) -> Text:
        value = self.mapping(value, key)
        parts = {}
        for language in LANGUAGES:
            item = value.get(language)
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{key}.{language}", "is missing or empty")
            parts[language] = item.strip()
        return Text(**parts)

    def position(self, item: dict, name: str, index: int, key: str) -> int:
        """A number that must be the item's place in its list, counting from 1."""
        value = self.present(item, name, key)
        if value != index + 1:
            self.fail(f"{key}.{name}", f"must be {index + 1}")
        return value


def load_file(path: Path | str) -> Framework:
    """Parse and validate one framework file."""
    reader = _Reader(path, FrameworkError)
    data = reader.mapping(read_yaml(path, FrameworkError), "(top level)")
    framework_id = reader.string(data, "id")
    if not ID_PATTERN.match(framework_id.replace("-", "_")):
        reader.fail("id", "must be lowercase letters, digits, - or _")
    return Framework(
        id=framework_id,
        version=reader.string(data, "version"),
        source=reader.string(data, "source"),
        name=reader.text(data, "name", ""),
        scale=_scale(reader, data),
        competencies=_competencies(reader, data),
    )


def _scale(reader: _Reader, data: dict) -> tuple[ScalePoint, ...]:
    items = reader.sequence(data, "scale")
    if len(items) != SCALE_SIZE:
        reader.fail("scale", f"must have exactly {SCALE_SIZE} points, found {len(items)}")
    return tuple(_scale_point(reader, item, index) for index, item in enumerate(items))


def _scale_point(reader: _Reader, item, index: int) -> ScalePoint:
    key = f"scale[{index}]"
    item = reader.mapping(item, key)
    return ScalePoint(
        value=reader.position(item, "value", index, key),
        label=reader.text(item, "label", key),
        description=reader.text(item, "description", key),
    )


def _competencies(reader: _Reader, data: dict) -> tuple[Competency, ...]:
    items = reader.sequence(data, "competencies")
    if len(items) != COMPETENCY_COUNT:
        reader.fail("competencies", f"must list exactly {COMPETENCY_COUNT}, found {len(items)}")
    seen: set[str] = set()
    return tuple(_competency(reader, item, index, seen) for index, item in enumerate(items))


def _competency(reader: _Reader, item, index: int, seen: set[str]) -> Competency:
    """One competency; ``seen`` holds the ids of the ones before it and gets this one's."""
    item = reader.mapping(item, f"competencies[{index}]")
    competency_id = _new_competency_id(reader, item, f"competencies[{index}]", seen)
    key = f"competencies[{competency_id}]"
    number = reader.position(item, "number", index, key)
    behaviours = reader.sequence(item, "behaviours", key)
    if not 3 <= len(behaviours) <= 4:
        reader.fail(f"{key}.behaviours", f"must have 3 or 4 examples, found {len(behaviours)}")
    return Competency(
        id=competency_id,
        number=number,
        name=reader.text(item, "name", key),
        definition=reader.text(item, "definition", key),
        behaviours=tuple(
            reader.text_value(b, f"{key}.behaviours[{i}]") for i, b in enumerate(behaviours)
        ),
    )


def _new_competency_id(reader: _Reader, item: dict, key: str, seen: set[str]) -> str:
    competency_id = reader.string(item, "id", key)
    if not ID_PATTERN.match(competency_id):
        reader.fail(f"{key}.id", "must be lowercase letters, digits and _")
    if competency_id in seen:
        reader.fail(f"{key}.id", f"'{competency_id}' is used twice")
    seen.add(competency_id)
    return competency_id


def load_directory(directory: Path | str) -> dict[str, Framework]:
    """Load every ``*.yaml`` framework file directly in ``directory``, keyed by framework id."""
    return load_all(directory, load_file, lambda f: f.id, FrameworkError, "framework")


DEFAULT_FRAMEWORK = "evc-a"


def init_app(app) -> None:
    """Load and validate the frameworks once; a broken file stops the start with a clear error."""
    app.extensions["frameworks"] = load_directory(app.config["FRAMEWORK_DIR"])
    if DEFAULT_FRAMEWORK not in app.extensions["frameworks"]:
        raise FrameworkError(app.config["FRAMEWORK_DIR"], "id", f"no '{DEFAULT_FRAMEWORK}' file")


def current_framework(framework_id: str = DEFAULT_FRAMEWORK) -> Framework:
    from flask import current_app

    return current_app.extensions["frameworks"][framework_id]
