"""How URLs carry their parameters.

- ``<int:...>`` is ``IdConverter`` in every route: a number beyond what an id column holds names
  nothing, so it is a 404 like any other unknown id (the database would refuse it with an error).
"""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# Every id column is an INTEGER: PostgreSQL's 32-bit range (SQLite's is wider).
ID_MAX = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>``: a non-negative number no larger than an id can be (else no match: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Register the converters; before any route is added."""
    app.url_map.converters["int"] = IdConverter
