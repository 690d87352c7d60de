"""One paginator for every list: the page the URL asks for (``?pagina=``), a slice of a query,
and what the pager below the list needs."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request
from sqlalchemy import Select, func, select

from evc.extensions import db
from evc.urls import number_arg


def requested_page() -> int:
    """The page number in the URL; anything missing, wrong or below 1 is the first page."""
    return max(request.args.get("pagina", 1, type=number_arg) or 1, 1)


@dataclass(frozen=True)
class Paged:
    """One page of a list. ``total`` is None for a list that is not counted (a long log that
    only knows whether more follows)."""

    items: list
    number: int
    size: int
    total: int | None
    more: bool

    @property
    def pages(self) -> int:
        if self.total is None:
            return self.number + int(self.more)
        return max(-(-self.total // self.size), 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.more


def paginate(query: Select, *, size: int, number: int | None = None, rows=False, count=True):
    """Page ``number`` (default: the requested one) of ``query``: ORM objects, or result rows
    with ``rows=True``. With ``count=False`` one extra row tells whether more follows."""
    number = requested_page() if number is None else max(number, 1)
    fetch = db.session.execute if rows else db.session.scalars
    start = (number - 1) * size
    if not count:
        items = fetch(query.limit(size + 1).offset(start)).all()
        return Paged(list(items[:size]), number, size, None, len(items) > size)
    total = db.count(select(func.count()).select_from(query.order_by(None).subquery()))
    items = fetch(query.limit(size).offset(start)).all()
    return Paged(list(items), number, size, total, start + size < total)
