"""Login (throttled per account and per network address), server-side sessions and logout."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
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


# Failed logins count per account and per client address, each in its own scope.
ACCOUNT_SCOPE = "login-account"
ADDRESS_SCOPE = "login-address"


def _limits_reached(account: str, address: str) -> bool:
    config = current_app.config
    within = timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"])
    return throttle.too_many(
        ACCOUNT_SCOPE, account, most=config["LOGIN_MAX_FAILURES_PER_ACCOUNT"], within=within
    ) or throttle.too_many(
        ADDRESS_SCOPE, address, most=config["LOGIN_MAX_FAILURES_PER_ADDRESS"], within=within
    )


def _refuse_throttled(address: str) -> LoginThrottled:
    log_action("login.throttled", address=address)
    return LoginThrottled(
        _(
            "Te veel mislukte pogingen. Wacht %(n)d minuten en probeer het dan opnieuw.",
            n=current_app.config["LOGIN_THROTTLE_MINUTES"],
        )
    )


def _refuse_failed(user: User | None, account: str, address: str) -> DomainError:
    throttle.record(ACCOUNT_SCOPE, account)
    throttle.record(ADDRESS_SCOPE, address)
    log_action("login.failed", obj=user)
    return DomainError(_("Het e-mailadres of het wachtwoord klopt niet."))


def authenticate(email: str, password: str, address: str) -> User:
    """Return the user for these credentials or raise ``DomainError`` with one generic message.

    Failures are counted per account and per network address in the database, so the limit
    holds across worker processes. Raises ``LoginThrottled`` when either limit is reached.
    """
    account = normalise_email(email)
    if _limits_reached(account, address):
        raise _refuse_throttled(address)
    config = current_app.config
    user = find_user_by_email(email) if len(password) <= config["PASSWORD_MAX_LENGTH"] else None
    stored_hash = user.password_hash if user else None
    password_ok = verify_password(stored_hash, password[:1024])
    if not (user and stored_hash is not None and password_ok and user.is_active_account):
        raise _refuse_failed(user, account, address)
    throttle.clear(ACCOUNT_SCOPE, account)
    if needs_rehash(stored_hash):
        user.password_hash = hash_password(password)
    return user


def attempt_login(
    email: str, password: str, address: str
) -> tuple[User | None, DomainError | None]:
    """``authenticate``, with the refusal returned instead of raised: the login page commits
    a failed attempt (it counts, also across workers) where other refusals roll back."""
    try:
        return authenticate(email, password, address), None
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
