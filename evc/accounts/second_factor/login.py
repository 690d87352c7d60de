"""The step between a right password and a session: a pending login waits for its code (or for
the person to set up an app), and wrong codes are counted in the one throttle.

Wrong codes count per account in their own scope, which a right password does not clear, so
knowing the password does not buy fresh guesses; they also count per client address together
with wrong passwords. Both limits are those of the login.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from evc import throttle
from evc.accounts.models import User
from evc.accounts.second_factor.models import LoginChallenge
from evc.accounts.second_factor.services import (
    check_code,
    has_second_factor,
    second_factor_required,
)
from evc.accounts.services.identity import token_digest
from evc.accounts.services.sessions import ADDRESS_SCOPE, LoginThrottled
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db

CODE_SCOPE = "second-factor"


def needs_second_step(user: User) -> bool:
    """Someone with an app gives its code; someone who must have one and has none sets it up."""
    return has_second_factor(user) or second_factor_required(user)


def _valid_for() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_STEP_MINUTES"])


def start_challenge(user: User) -> str:
    """A pending login for ``user``; returns the token for the cookie. Expired pending logins
    (of anyone) are deleted on the way."""
    db.session.execute(
        delete(LoginChallenge).where(LoginChallenge.created_at < utcnow() - _valid_for())
    )
    token = secrets.token_urlsafe(32)
    db.session.add(LoginChallenge(user_id=user.id, token_hash=token_digest(token)))
    db.session.flush()
    return token


def pending_user(token: str | None) -> User | None:
    """The person of a pending login that has not expired, while the account is active."""
    if not token:
        return None
    challenge = db.session.scalar(
        select(LoginChallenge).where(LoginChallenge.token_hash == token_digest(token))
    )
    if challenge is None or utcnow() - challenge.created_at > _valid_for():
        return None
    return challenge.user if challenge.user.is_active_account else None


def end_challenge(token: str | None) -> None:
    if token:
        db.session.execute(
            delete(LoginChallenge).where(LoginChallenge.token_hash == token_digest(token))
        )


def counted_check(user: User, address: str, check: Callable[[], bool], wrong: DomainError):
    """Run ``check`` (a code, or a password for "confirm it's you") under the throttle: None
    when it holds, else the refusal (``wrong``, or the throttle's). The caller commits either
    way, so that a failure counts, also across workers."""
    key = str(user.id)
    if _too_many(key, address):
        return _throttled()
    if check():
        throttle.clear(CODE_SCOPE, key)
        return None
    throttle.record(CODE_SCOPE, key)
    throttle.record(ADDRESS_SCOPE, address)
    log_action("login.code_failed", obj=user)
    return wrong


def attempt_code(user: User, code: str, address: str):
    """The code step of the login: None when the code is right, else the refusal."""
    wrong = _("Deze code klopt niet. Probeer de nieuwe code uit je app, of een herstelcode.")
    return counted_check(
        user, address, lambda: check_code(user, code), DomainError(wrong, field="code")
    )


def _too_many(key: str, address: str) -> bool:
    config = current_app.config
    within = timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"])
    most_account = config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    most_address = config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    return throttle.too_many(CODE_SCOPE, key, most=most_account, within=within) or (
        throttle.too_many(ADDRESS_SCOPE, address, most=most_address, within=within)
    )


def _throttled() -> LoginThrottled:
    return LoginThrottled(
        _(
            "Te veel mislukte pogingen. Wacht %(n)d minuten en probeer het dan opnieuw.",
            n=current_app.config["LOGIN_THROTTLE_MINUTES"],
        )
    )
