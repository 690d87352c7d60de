"""Care-task protocols as data: ``competencies/protocols/*.yaml``.

The files are the seed library. A coordinator takes them over into an organisation, or writes
a protocol in the app; both go through ``parse_protocol``, so a protocol has one schema
wherever it comes from. The files are validated when the app starts and in a test.
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,62}$")
MAX_ITEMS = 20
MAX_ITEM_LENGTH = 300
MAX_VALIDITY_MONTHS = 60


class RiskLevel(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class ResourceKind(enum.StrEnum):
    EQUIPMENT = "equipment"
    WRITTEN_INSTRUCTION = "written_instruction"
    CONTACT_PERSON = "contact_person"
    VOG = "vog"  # checked against the volunteer's VOG record, not ticked by hand
    OTHER = "other"


class ProtocolError(ValueError):
    """A protocol is broken; the message names the file (or form) and the key."""

    def __init__(self, where: Path | str, key: str, problem: str):
        self.where, self.key, self.problem = str(where), key, problem
        super().__init__(f"{where}: {key}: {problem}")


@dataclass(frozen=True)
class Resource:
    kind: ResourceKind
    text: str


@dataclass(frozen=True)
class ProtocolSpec:
    """One version of one protocol, validated."""

    key: str
    version: int
    title: str
    description: str
    setting: str
    risk_level: RiskLevel
    reserved_act: bool
    validity_months: int
    instructed_by: str
    know: tuple[str, ...]
    skills: tuple[str, ...]
    resources: tuple[Resource, ...]
    stop_and_call: tuple[str, ...]


def item_hash(text: str) -> str:
    """Stable key of a checklist item: the same text in a new version keeps its key."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


class _Reader:
    def __init__(self, where: Path | str):
        self.where = where

    def fail(self, key: str, problem: str):
        raise ProtocolError(self.where, key, problem)

    def present(self, data: dict, name: str):
        if name not in data or data[name] in (None, "", []):
            self.fail(name, "is missing")
        return data[name]

    def text(self, data: dict, name: str, limit: int = 2000) -> str:
        value = self.present(data, name)
        if not isinstance(value, str) or not value.strip():
            self.fail(name, "must be text")
        value = " ".join(value.split())
        if len(value) > limit:
            self.fail(name, f"is longer than {limit} characters")
        return value

    def integer(self, data: dict, name: str, low: int, high: int) -> int:
        value = self.present(data, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(name, f"must be a whole number from {low} to {high}")
        return value

    def items(self, data: dict, name: str) -> tuple[str, ...]:
        value = self.present(data, name)
        if not isinstance(value, list):
            self.fail(name, "must be a list")
        if len(value) > MAX_ITEMS:
            self.fail(name, f"has more than {MAX_ITEMS} items")
        result: list[str] = []
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{name}[{index}]", "must be text")
            item = " ".join(item.split())
            if len(item) > MAX_ITEM_LENGTH:
                self.fail(f"{name}[{index}]", f"is longer than {MAX_ITEM_LENGTH} characters")
            if item_hash(item) in {item_hash(seen) for seen in result}:
                self.fail(f"{name}[{index}]", "is listed twice")
            result.append(item)
        return tuple(result)

    def resources(self, data: dict) -> tuple[Resource, ...]:
        value = self.present(data, "resources")
        if not isinstance(value, list):
            self.fail("resources", "must be a list")
        if len(value) > MAX_ITEMS:
            self.fail("resources", f"has more than {MAX_ITEMS} items")
        result = []
        for index, item in enumerate(value):
            key = f"resources[{index}]"
            if not isinstance(item, dict):
                self.fail(key, "must be a mapping with kind and text")
            kind = item.get("kind")
            if kind not in {k.value for k in ResourceKind}:
                allowed = ", ".join(k.value for k in ResourceKind)
                self.fail(f"{key}.kind", f"must be one of {allowed}")
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                self.fail(f"{key}.text", "is missing")
            text = " ".join(text.split())
            if len(text) > MAX_ITEM_LENGTH:
                self.fail(f"{key}.text", f"is longer than {MAX_ITEM_LENGTH} characters")
            if any(item_hash(text) == item_hash(r.text) for r in result):
                self.fail(f"{key}.text", "is listed twice")
            result.append(Resource(ResourceKind(kind), text))
        if sum(1 for r in result if r.kind == ResourceKind.VOG) > 1:
            self.fail("resources", "lists the VOG more than once")
        return tuple(result)


def parse_protocol(data, where: Path | str = "(protocol)") -> ProtocolSpec:
    """Validate one protocol given as a mapping (from a file or a form)."""
    reader = _Reader(where)
    if not isinstance(data, dict):
        reader.fail("(top level)", "must be a mapping")
    key = reader.text(data, "id", 63)
    if not ID_PATTERN.match(key):
        reader.fail("id", "must be lowercase letters, digits and _ (starting with a letter)")
    risk = reader.present(data, "risk_level")
    if risk not in {r.value for r in RiskLevel}:
        reader.fail("risk_level", "must be low, medium or high")
    if "reserved_act" not in data:
        reader.fail("reserved_act", "is missing")
    reserved = data["reserved_act"]
    if not isinstance(reserved, bool):
        reader.fail("reserved_act", "must be true or false")
    return ProtocolSpec(
        key=key,
        version=reader.integer(data, "version", 1, 10_000),
        title=reader.text(data, "title", 200),
        description=reader.text(data, "description"),
        setting=reader.text(data, "setting", 200),
        risk_level=RiskLevel(risk),
        reserved_act=reserved,
        validity_months=reader.integer(data, "validity_months", 1, MAX_VALIDITY_MONTHS),
        instructed_by=reader.text(data, "instructed_by", 200),
        know=reader.items(data, "know"),
        skills=reader.items(data, "skills"),
        resources=reader.resources(data),
        stop_and_call=reader.items(data, "stop_and_call"),
    )


def load_file(path: Path | str) -> ProtocolSpec:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise ProtocolError(path, where, f"is not valid YAML: {exc}") from exc
    except OSError as exc:
        raise ProtocolError(path, "(file)", f"cannot be read: {exc.strerror}") from exc
    return parse_protocol(raw, path)


def load_directory(directory: Path | str) -> dict[str, ProtocolSpec]:
    """Every ``*.yaml`` protocol in ``directory``, keyed by id; an id used twice is an error."""
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise ProtocolError(directory, "(folder)", "contains no *.yaml protocol file")
    protocols: dict[str, ProtocolSpec] = {}
    for path in files:
        spec = load_file(path)
        if spec.key in protocols:
            raise ProtocolError(path, "id", f"'{spec.key}' is also used by another file")
        protocols[spec.key] = spec
    return protocols


def init_app(app) -> None:
    """Load and validate the library once; a broken file stops the start with a clear error."""
    app.extensions["protocol_library"] = load_directory(app.config["PROTOCOL_DIR"])


def protocol_library() -> dict[str, ProtocolSpec]:
    from flask import current_app

    return current_app.extensions["protocol_library"]
