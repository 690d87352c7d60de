"""One reader for the data files (competency frameworks, care-task protocols): YAML read
safely, each value checked, and every problem named by file and key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import yaml


class DataFileError(ValueError):
    """A data file (or a protocol typed in a form) is broken: names the place and the key."""

    def __init__(self, where: Path | str, key: str, problem: str):
        self.where = self.path = str(where)
        self.key, self.problem = key, problem
        super().__init__(f"{where}: {key}: {problem}")


def _full(key: str, name: str) -> str:
    return f"{key}.{name}" if key else name


class Reader:
    """Walks one parsed file; ``key`` arguments are the path to the mapping being read."""

    def __init__(self, where: Path | str, error: type[DataFileError] = DataFileError):
        self.where, self.error = where, error

    def fail(self, key: str, problem: str) -> NoReturn:
        raise self.error(self.where, key, problem)

    def mapping(self, value, key: str) -> dict:
        if not isinstance(value, dict):
            self.fail(key, "must be a mapping")
        return value

    def present(self, data: dict, name: str, key: str = ""):
        if data.get(name) in (None, "", []):
            self.fail(_full(key, name), "is missing")
        return data[name]

    def string(self, data: dict, name: str, key: str = "") -> str:
        value = self.present(data, name, key)
        if not isinstance(value, str | int | float):
            self.fail(_full(key, name), "must be text")
        return str(value).strip()

    def line(self, value, key: str, limit: int = 2000) -> str:
        """Text on one line: inner whitespace collapsed, at most ``limit`` characters."""
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be text")
        value = " ".join(value.split())
        if len(value) > limit:
            self.fail(key, f"is longer than {limit} characters")
        return value

    def integer(self, data: dict, name: str, low: int, high: int, key: str = "") -> int:
        value = self.present(data, name, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(_full(key, name), f"must be a whole number from {low} to {high}")
        return value

    def sequence(self, data: dict, name: str, key: str = "", most: int | None = None) -> list:
        value = self.present(data, name, key)
        if not isinstance(value, list):
            self.fail(_full(key, name), "must be a list")
        if most is not None and len(value) > most:
            self.fail(_full(key, name), f"has more than {most} items")
        return value

    def boolean(self, data: dict, name: str, key: str = "") -> bool:
        if name not in data:
            self.fail(_full(key, name), "is missing")
        if not isinstance(data[name], bool):
            self.fail(_full(key, name), "must be true or false")
        return data[name]

    def choice(self, data: dict, name: str, allowed: list[str], problem: str, key: str = ""):
        value = self.present(data, name, key)
        if value not in allowed:
            self.fail(_full(key, name), problem)
        return value


def read_yaml(path: Path | str, error: type[DataFileError] = DataFileError) -> Any:
    """The parsed contents of one YAML file (safe loader only)."""
    path = Path(path)
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "(file)"
        raise error(path, where, f"is not valid YAML: {exc}") from exc
    except OSError as exc:
        raise error(path, "(file)", f"cannot be read: {exc.strerror}") from exc


def load_directory(
    directory: Path | str,
    load_file: Callable[[Path], Any],
    key_of: Callable[[Any], str],
    error: type[DataFileError],
    what: str,
) -> dict[str, Any]:
    """Every ``*.yaml`` file directly in ``directory``, keyed by ``key_of``; a key used by two
    files, or a folder without files, is an error."""
    directory = Path(directory)
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise error(directory, "(folder)", f"contains no *.yaml {what} file")
    loaded: dict[str, Any] = {}
    for path in files:
        item = load_file(path)
        if key_of(item) in loaded:
            raise error(path, "id", f"'{key_of(item)}' is also used by another file")
        loaded[key_of(item)] = item
    return loaded
