"""The throttle: attempts per scope and key, counted within a window, cleared and pruned."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from evc import throttle
from evc.db import utcnow
from evc.throttle import ThrottleAttempt

WINDOW = timedelta(minutes=15)


def _attempts(session, scope: str, key: str, count: int = 1) -> None:
    for _ in range(count):
        throttle.record(scope, key)
    session.commit()


def _age(session, minutes: int) -> None:
    """Move every stored attempt ``minutes`` into the past."""
    for attempt in session.scalars(select(ThrottleAttempt)):
        attempt.attempted_at -= timedelta(minutes=minutes)
    session.commit()


def _too_many(scope: str, key: str, most: int = 3) -> bool:
    return throttle.too_many(scope, key, most=most, within=WINDOW)


def test_key_is_throttled_once_it_reaches_the_limit(app, session):
    _attempts(session, "login-address", "10.0.0.1", 2)
    assert not _too_many("login-address", "10.0.0.1")
    _attempts(session, "login-address", "10.0.0.1")
    assert _too_many("login-address", "10.0.0.1")


def test_attempts_older_than_the_window_no_longer_count(app, session):
    _attempts(session, "certificate-check", "10.0.0.1", 3)
    _age(session, 14)
    assert _too_many("certificate-check", "10.0.0.1")
    _age(session, 2)
    assert not _too_many("certificate-check", "10.0.0.1")


def test_other_keys_and_other_scopes_are_counted_apart(app, session):
    _attempts(session, "report-check", "10.0.0.1", 3)
    assert _too_many("report-check", "10.0.0.1")
    assert not _too_many("report-check", "10.0.0.2")
    assert not _too_many("certificate-check", "10.0.0.1")


def test_clear_forgets_one_key_in_one_scope_only(app, session):
    _attempts(session, "login-account", "vera@test.example", 3)
    _attempts(session, "login-account", "otto@test.example", 3)
    _attempts(session, "login-address", "vera@test.example", 3)
    throttle.clear("login-account", "vera@test.example")
    session.commit()
    assert not _too_many("login-account", "vera@test.example")
    assert _too_many("login-account", "otto@test.example")
    assert _too_many("login-address", "vera@test.example")


def test_prune_deletes_old_attempts_of_the_scope_or_of_every_scope(app, session):
    _attempts(session, "report-check", "10.0.0.1")
    _attempts(session, "certificate-check", "10.0.0.1")
    _age(session, 20)
    _attempts(session, "report-check", "10.0.0.1")
    throttle.prune(WINDOW, "report-check")
    session.commit()
    left = session.execute(select(ThrottleAttempt.scope, ThrottleAttempt.attempted_at)).all()
    assert sorted(scope for scope, _at in left) == ["certificate-check", "report-check"]
    throttle.prune(WINDOW)
    session.commit()
    left = session.scalars(select(ThrottleAttempt.attempted_at)).all()
    assert len(left) == 1 and left[0] > utcnow() - WINDOW


def test_keys_are_stored_as_a_hash_and_may_be_long(app, session):
    long_key = "vera@test.example 2001:db8::1 " + "x" * 300
    _attempts(session, "login-account", long_key, 3)
    _attempts(session, "login-address", "10.0.0.1")
    stored = session.scalars(select(ThrottleAttempt.key_hash)).all()
    assert all(len(value) == 64 and "10.0.0" not in value for value in stored)
    assert _too_many("login-account", long_key)


def test_a_new_attempt_forgets_its_scopes_attempts_older_than_two_days(app, session):
    with app.test_request_context():
        throttle.record("login-address", "10.0.0.1")
        throttle.record("report-check", "10.0.0.1")
        for attempt in session.scalars(select(ThrottleAttempt)):
            attempt.attempted_at = utcnow() - timedelta(days=3)
        throttle.record("login-address", "10.0.0.2")
        session.flush()
        left = session.scalars(select(ThrottleAttempt.scope)).all()
    assert sorted(left) == ["login-address", "report-check"]  # the old one of the other scope stays
