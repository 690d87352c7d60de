"""Attempts counted to slow down guessing, in one table for every throttled action.

An attempt is a row with a *scope* (what was tried, such as ``"certificate-check"``), a *key*
(who tried: a client address, an account, or any combination the caller chooses) and the
moment. The same key in two scopes counts apart. The rows are in the database, so a limit
holds across worker processes.

Keys are stored only as a keyed hash (HMAC with the app's ``SECRET_KEY``): the table holds no
addresses or e-mail addresses, and a key of any length fits. Limits, windows and messages
belong to the callers; this module knows no domain. Each new attempt removes its scope's
attempts older than ``KEPT`` (longer than any caller's window), so the table stays small.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Index, String, delete, func, select
from sqlalchemy.orm import Mapped, mapped_column

from evc.db import Base, UTCDateTime, utcnow
from evc.extensions import db


class ThrottleAttempt(Base):
    """One counted attempt: a scope, the hashed key and when it happened."""

    __tablename__ = "throttle_attempt"
    __table_args__ = (
        Index("ix_throttle_attempt_scope_key_at", "scope", "key_hash", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(40))
    key_hash: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


KEPT = timedelta(days=2)


def key_hash(key: str) -> str:
    """The stored form of ``key``: HMAC-SHA256 with the app's secret, as 64 hex digits."""
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()


def _of(scope: str, key: str):
    return (ThrottleAttempt.scope == scope, ThrottleAttempt.key_hash == key_hash(key))


def record(scope: str, key: str) -> None:
    """Count one attempt by ``key`` in ``scope`` (added to the session, not committed)."""
    prune(KEPT, scope)
    db.session.add(ThrottleAttempt(scope=scope, key_hash=key_hash(key), attempted_at=utcnow()))


def too_many(scope: str, key: str, *, most: int, within: timedelta) -> bool:
    """True when ``key`` made ``most`` or more attempts in ``scope`` in the last ``within``."""
    since = utcnow() - within
    count = db.session.scalar(
        select(func.count(ThrottleAttempt.id)).where(
            *_of(scope, key), ThrottleAttempt.attempted_at >= since
        )
    )
    return (count or 0) >= most


def clear(scope: str, key: str) -> None:
    """Forget every attempt by ``key`` in ``scope``, for example after a successful login."""
    db.session.execute(delete(ThrottleAttempt).where(*_of(scope, key)))


def prune(older_than: timedelta, scope: str | None = None) -> None:
    """Delete attempts made longer than ``older_than`` ago: in ``scope``, or in every scope."""
    query = delete(ThrottleAttempt).where(ThrottleAttempt.attempted_at < utcnow() - older_than)
    if scope is not None:
        query = query.where(ThrottleAttempt.scope == scope)
    db.session.execute(query)


def wait_left(
    scope: str, key: str, *, most: int, within: timedelta, first_wait: timedelta, longest: timedelta
) -> timedelta | None:
    """How long ``key`` must still wait before its next attempt, or None when it may try now.

    Up to ``most`` attempts in ``within`` need no wait; after that each further attempt doubles
    the wait after the last one, from ``first_wait`` up to ``longest`` (growing delays rather
    than one long wall, so the owner of an account is never shut out for long)."""
    since = utcnow() - within
    count, last = db.session.execute(
        select(func.count(ThrottleAttempt.id), func.max(ThrottleAttempt.attempted_at)).where(
            *_of(scope, key), ThrottleAttempt.attempted_at >= since
        )
    ).one()
    if count < most or last is None:
        return None
    wait = min(first_wait * 2 ** min(count - most, 16), longest)
    left = last + wait - utcnow()
    return left if left > timedelta(0) else None
