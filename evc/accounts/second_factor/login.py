"""The step between a right password and a session: a pending login waits for its code (or for
the person to set up an app), and wrong codes are counted in the one throttle.

Wrong codes count like wrong passwords, with the login's limits and growing waits: per account
(in a scope of their own, which a right password does not clear, so knowing the password buys
no fresh guesses) and per client address together with wrong passwords; from a browser that
logged in to the account before (its device cookie) for that browser only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from functools import partial

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
from evc.accounts.services.sessions import ADDRESS_SCOPE, refuse_throttled, wait_left_of
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


def _scopes(user: User, address: str, device: str | None) -> list[tuple[str, str, int]]:
    """Where a wrong code counts, as for passwords: from a browser that logged in to the
    account before, for that browser only; else for the account and the client address."""
    config = current_app.config
    most = config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    if device:
        return [(CODE_SCOPE, f"{user.id} {device}", most)]
    return [
        (CODE_SCOPE, str(user.id), most),
        (ADDRESS_SCOPE, address, config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ]


def counted_check(
    user: User, address: str, check: Callable[[], bool], wrong: DomainError, device=None
):
    """Run ``check`` (a code, or a password for "confirm it's you") under the throttle: None
    when it holds, else the refusal (``wrong``, or the throttle's growing wait). The caller
    commits either way, so that a failure counts, also across workers."""
    scopes = _scopes(user, address, device)
    wait = wait_left_of(scopes)
    if wait is not None:
        return refuse_throttled(address, wait)
    if not check():
        for scope, key, _most in scopes:
            throttle.record(scope, key)
        log_action("login.code_failed", obj=user)
        return wrong
    for scope, key, _most in [*scopes, (CODE_SCOPE, str(user.id), 0)]:
        throttle.clear(scope, key)
    return None


def attempt_code(user: User, code: str, address: str, device: str | None = None):
    """The code step of the login: None when the code is right, else the refusal."""
    wrong = _("Deze code klopt niet. Probeer de nieuwe code uit je app, of een herstelcode.")
    check = partial(check_code, user, code)
    return counted_check(user, address, check, DomainError(wrong, field="code"), device)
