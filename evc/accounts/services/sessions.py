"""Login (throttled per account and per network address), server-side sessions and logout."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Connection, delete, select, update
from sqlalchemy.orm import joinedload

from evc import throttle
from evc.accounts.models import User, UserSession
from evc.accounts.passwords import hash_password, needs_rehash, verify_password
from evc.accounts.services.identity import find_user_by_email, normalise_email, token_digest
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db


class LoginThrottled(DomainError):
    pass


# Failed logins from unknown browsers count per account and per client address; from a browser
# that logged in to the account before (its device cookie), per account and device only.
ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"
DEVICE_SCOPE = "login-device"


def _scopes(account: str, address: str, device: str | None) -> list[tuple[str, str, int]]:
    """Where this attempt counts: (scope, key, failures allowed before the waits begin)."""
    config = current_app.config
    if device:
        return [(DEVICE_SCOPE, f"{account} {device}", config["LOGIN_MAX_FAILURES_PER_ACCOUNT"])]
    return [
        (ACCOUNT_SCOPE, account, config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        (ADDRESS_SCOPE, address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ]


def wait_left_of(scopes) -> timedelta | None:
    """The longest wait of ``scopes`` ((scope, key, failures allowed) as ``_scopes`` gives them,
    or the code step's), with the login's growing delays; None when a try may be made now."""
    config = current_app.config
    waits = [
        throttle.wait_left(
            scope,
            key,
            most=most,
            within=timedelta(hours=config["LOGIN_FAILURE_MEMORY_HOURS"]),
            first_wait=timedelta(seconds=config["LOGIN_FIRST_WAIT_SECONDS"]),
            longest=timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"]),
        )
        for scope, key, most in scopes
    ]
    return max((wait for wait in waits if wait is not None), default=None)


def refuse_throttled(address: str, wait: timedelta) -> LoginThrottled:
    log_action("login.throttled", address=address)
    minutes = max(math.ceil(wait.total_seconds() / 60), 1)
    return LoginThrottled(
        ngettext(
            "Te veel mislukte pogingen. Wacht %(num)d minuut en probeer het dan opnieuw.",
            "Te veel mislukte pogingen. Wacht %(num)d minuten en probeer het dan opnieuw.",
            minutes,
        )
    )


def _refuse_failed(user: User | None, scopes) -> DomainError:
    for scope, key, _most in scopes:
        throttle.record(scope, key)
    log_action("login.failed", obj=user)
    return DomainError(_("Het e-mailadres of het wachtwoord klopt niet."))


def authenticate(email: str, password: str, address: str, device: str | None = None) -> User:
    """Return the user for these credentials or raise ``DomainError`` with one generic message.

    Failures are counted in the database, so the limits hold across worker processes; after
    the allowed number each further try waits twice as long (``LoginThrottled``). ``device`` is
    this browser's nonce for the account (its device cookie), if it logged in here before.
    """
    account = normalise_email(email)
    scopes = _scopes(account, address, device)
    wait = wait_left_of(scopes)
    if wait is not None:
        raise refuse_throttled(address, wait)
    config = current_app.config
    user = find_user_by_email(email) if len(password) <= config["PASSWORD_MAX_LENGTH"] else None
    stored_hash = user.password_hash if user else None
    password_ok = verify_password(stored_hash, password[:1024])
    if not (user and stored_hash is not None and password_ok and user.is_active_account):
        raise _refuse_failed(user, scopes)
    for scope, key, _most in [*scopes, (ACCOUNT_SCOPE, account, 0)]:
        throttle.clear(scope, key)
    if needs_rehash(stored_hash):
        user.password_hash = hash_password(password)
    return user


def attempt_login(
    email: str, password: str, address: str, device: str | None = None
) -> tuple[User | None, DomainError | None]:
    """``authenticate``, with the refusal returned instead of raised: the login page commits
    a failed attempt (it counts, also across workers) where other refusals roll back."""
    try:
        return authenticate(email, password, address, device), None
    except DomainError as refusal:
        return None, refusal


def start_session(user: User) -> str:
    """Open a server-side session for ``user``; returns the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(UserSession(user_id=user.id, token_hash=token_digest(token), last_seen_at=now))
    user.last_login_at = now
    log_action("login", actor=user, obj=user)
    db.session.flush()
    return token


def _session_expired(created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
    config = current_app.config
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=config["SESSION_ABSOLUTE_HOURS"])
    return now - last_seen_at > idle or now - created_at > absolute


def user_for_session(token: str | None) -> User | None:
    """The active user of a session token, or None when it ended, expired or is unknown.

    The session row is read and kept up to date in a short transaction of its own, so that the
    request's own transaction stays clean: the view still commits exactly once.
    """
    if not token:
        return None
    now = utcnow()
    with db.engine.begin() as connection:
        user_id = _live_session_user(connection, token_digest(token), now)
    if user_id is None:
        return None
    user = db.session.get(User, user_id, options=[joinedload(User.memberships)])
    return user if user is not None and user.is_active_account else None


def _live_session_user(connection: Connection, token_hash: str, now: datetime) -> int | None:
    """The user id of a session that is still live, its ``last_seen_at`` written at most once a
    minute; None for an unknown session, or an expired one (which is deleted)."""
    row = connection.execute(
        select(
            UserSession.id,
            UserSession.user_id,
            UserSession.created_at,
            UserSession.last_seen_at,
        ).where(UserSession.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    if _session_expired(row.created_at, row.last_seen_at, now):
        connection.execute(delete(UserSession).where(UserSession.id == row.id))
        return None
    if now - row.last_seen_at > timedelta(minutes=1):
        connection.execute(
            update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
        )
    return row.user_id


def end_session(token: str | None, user: User | None) -> None:
    """Log out: the session row is deleted, so a copied cookie no longer works."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_hash == token_digest(token)))
    if user is not None:
        log_action("logout", actor=user, obj=user)


def end_all_sessions(user: User, *, keep_token: str | None = None) -> None:
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep_token:
        query = query.where(UserSession.token_hash != token_digest(keep_token))
    db.session.execute(query)
