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

from evc.datafiles import DataFileError, Reader, read_yaml
from evc.datafiles import load_directory as load_all

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


class ProtocolError(DataFileError):
    """A protocol is broken; the message names the file (or form) and the key."""


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


class _Reader(Reader):
    """The shared reader plus the code and the checklists of a protocol (no item twice)."""

    def text(self, data: dict, name: str, limit: int = 2000) -> str:
        return self.line(self.present(data, name), name, limit)

    def key(self, data: dict) -> str:
        """The protocol's code: lowercase letters, digits and _, starting with a letter."""
        key = self.text(data, "id", 63)
        if not ID_PATTERN.match(key):
            self.fail("id", "must be lowercase letters, digits and _ (starting with a letter)")
        return key

    def items(self, data: dict, name: str) -> tuple[str, ...]:
        result: list[str] = []
        for index, item in enumerate(self.sequence(data, name, most=MAX_ITEMS)):
            item = self.line(item, f"{name}[{index}]", MAX_ITEM_LENGTH)
            self._once(item, result, f"{name}[{index}]")
            result.append(item)
        return tuple(result)

    def _once(self, text: str, earlier: list[str], key: str) -> None:
        if item_hash(text) in {item_hash(seen) for seen in earlier}:
            self.fail(key, "is listed twice")

    def resources(self, data: dict) -> tuple[Resource, ...]:
        listed = self.sequence(data, "resources", most=MAX_ITEMS)
        resources = [self.resource(item, f"resources[{i}]") for i, item in enumerate(listed)]
        return self._unique(resources)

    def resource(self, item, key: str) -> Resource:
        if not isinstance(item, dict):
            self.fail(key, "must be a mapping with kind and text")
        if item.get("kind") not in {k.value for k in ResourceKind}:
            self.fail(f"{key}.kind", f"must be one of {', '.join(k.value for k in ResourceKind)}")
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            self.fail(f"{key}.text", "is missing")
        text = self.line(item["text"], f"{key}.text", MAX_ITEM_LENGTH)
        return Resource(ResourceKind(item["kind"]), text)

    def _unique(self, resources: list[Resource]) -> tuple[Resource, ...]:
        for index, resource in enumerate(resources):
            earlier = [r.text for r in resources[:index]]
            self._once(resource.text, earlier, f"resources[{index}].text")
        if sum(1 for r in resources if r.kind == ResourceKind.VOG) > 1:
            self.fail("resources", "lists the VOG more than once")
        return tuple(resources)


def parse_protocol(data, where: Path | str = "(protocol)") -> ProtocolSpec:
    """Validate one protocol given as a mapping (from a file or a form)."""
    reader = _Reader(where, ProtocolError)
    data = reader.mapping(data, "(top level)")
    key = reader.key(data)
    risk = reader.choice(data, "risk_level", list(RiskLevel), "must be low, medium or high")
    reserved = reader.boolean(data, "reserved_act")
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
    return parse_protocol(read_yaml(path, ProtocolError), Path(path))


def load_directory(directory: Path | str) -> dict[str, ProtocolSpec]:
    """Every ``*.yaml`` protocol in ``directory``, keyed by id; an id used twice is an error."""
    return load_all(directory, load_file, lambda spec: spec.key, ProtocolError, "protocol")


def init_app(app) -> None:
    """Load and validate the library once; a broken file stops the start with a clear error."""
    app.extensions["protocol_library"] = load_directory(app.config["PROTOCOL_DIR"])


def protocol_library() -> dict[str, ProtocolSpec]:
    from flask import current_app

    return current_app.extensions["protocol_library"]
