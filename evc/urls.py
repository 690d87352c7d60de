"""How URLs carry their parameters: ids within the database's range, and secrets that leave the
address at once.

- ``<int:...>`` is ``IdConverter`` in every route: a number beyond what an id column holds names
  nothing, so it is a 404 like any other unknown id (the database would refuse it with an error).
  In the query string, ``number_arg`` does the same for ids and page numbers.
- ``<secret:...>`` marks the single-use token of a mailed link (an invitation, a password reset,
  a referee statement). The link's page only keeps the token in the session (``keep``) and
  redirects to the same page without it, which reads it back (``kept``) and redeems it by POST.
  So the token is in no later address, Referer header or browser history, and ``MaskSecrets``
  hides it in the one log line of that first request (Werkzeug's server, gunicorn and the app's
  own log).
"""

from __future__ import annotations

import logging
import re

from flask import Flask, redirect, session
from werkzeug.routing import BaseConverter, IntegerConverter
from werkzeug.wrappers import Response

# Every id column is an INTEGER: PostgreSQL's 32-bit range (SQLite's is wider).
ID_MAX = 2**31 - 1

HIDDEN = "***"  # what a log shows instead of a token
KEPT = "link:"  # session keys of the kept tokens: "link:<kind>"
LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


class IdConverter(IntegerConverter):
    """``<int:...>``: a non-negative number no larger than an id can be (else no match: 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=ID_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def number_arg(value: str) -> int:
    """A whole number from the query string or a form that the database can hold (0 up to
    ``ID_MAX``): ``request.args.get(name, type=number_arg)`` treats any other value like one
    that is no number at all."""
    number = int(value)
    if not 0 <= number <= ID_MAX:
        raise ValueError(f"{value!r} is out of range")
    return number


class SecretConverter(BaseConverter):
    """``<secret:...>``: one path part holding a single-use token, masked in the logs."""


def init_app(app: Flask) -> None:
    """Register the converters; before any route is added."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["secret"] = SecretConverter


def secret_prefixes(app: Flask) -> set[str]:
    """The path up to the secret part of every ``<secret:...>`` route (``/uitnodiging/``): what
    the logs and the outbox page hide the rest of."""
    rules = [rule.rule for rule in app.url_map.iter_rules()]
    return {rule.split("<secret:", 1)[0] for rule in rules if "<secret:" in rule}


def mask_secrets_in_logs(app: Flask) -> None:
    """Hide the secret part of every ``<secret:...>`` route in the logs; after the routes."""
    MASK.learn(secret_prefixes(app))
    for name in (*LOGGERS, app.logger.name):
        logging.getLogger(name).addFilter(MASK)  # the same filter once, however many apps


# --- the token in the session -----------------------------------------------------------------


def keep(kind: str, token: str, target: str) -> Response:
    """The first request of a mailed link: keep its token in the session, go to ``target``."""
    session[KEPT + kind] = token
    return redirect(target)


def kept(kind: str) -> str:
    """The token the link of ``kind`` brought, or an empty string."""
    token = session.get(KEPT + kind)
    return token if isinstance(token, str) else ""


def forget(kind: str) -> None:
    session.pop(KEPT + kind, None)


def all_kept() -> dict[str, str]:
    """Every kept token (to carry them over a logout, which empties the session)."""
    return {key: value for key, value in session.items() if key.startswith(KEPT)}


# --- the logs ---------------------------------------------------------------------------------


class MaskSecrets(logging.Filter):
    """Replaces the secret part of a link in a log record: in its message and in its arguments
    (Werkzeug passes the request line, gunicorn a dict of atoms, changed in place)."""

    def __init__(self) -> None:
        super().__init__()
        self.prefixes: set[str] = set()
        self.pattern: re.Pattern[str] | None = None

    def learn(self, prefixes) -> None:
        self.prefixes |= set(prefixes)
        alternatives = "|".join(re.escape(prefix) for prefix in sorted(self.prefixes))
        self.pattern = re.compile(f"({alternatives})[^/?#\\s\"']+") if alternatives else None

    def mask(self, value):
        if self.pattern is None or not isinstance(value, str):
            return value
        return self.pattern.sub(r"\g<1>" + HIDDEN, value)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.msg)
        if isinstance(record.args, dict):
            for key, value in list(record.args.items()):
                record.args[key] = self.mask(value)
        elif isinstance(record.args, tuple):
            record.args = tuple(self.mask(value) for value in record.args)
        return True


MASK = MaskSecrets()
