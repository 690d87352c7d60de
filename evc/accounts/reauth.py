"""Re-authentication: sensitive actions need a login fresher than ``REAUTH_MINUTES``.

A view declares it with ``@fresh_login``, under its ``@permission``: changing roles and blocking,
creating API tokens, and changing one's own password or second factor. When the session's last
proof of identity (the login, or "confirm it's you") is older, the person is sent to the
confirmation page (a password, or a code from the app) and then back: to the same page, or
for a button (a POST-only view) to the page it was pressed on.

The moment is kept on the server-side session row (``UserSession.authenticated_at``), so a copy
of an old cookie is never fresh.
"""

from __future__ import annotations

from datetime import timedelta
from functools import wraps
from urllib.parse import urlsplit

from flask import current_app, redirect, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts.models import User, UserSession
from evc.accounts.passwords import verify_password
from evc.accounts.second_factor.login import counted_check
from evc.accounts.second_factor.services import check_code
from evc.accounts.services.identity import token_digest
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db

SESSION_KEY = "sid"  # the session token's key in the signed cookie
CONFIRM_ENDPOINT = "second_factor.confirm"


def current_session() -> UserSession | None:
    token = session.get(SESSION_KEY)
    if not token:
        return None
    return db.session.scalar(
        select(UserSession).where(UserSession.token_hash == token_digest(token))
    )


def is_fresh() -> bool:
    row = current_session()
    window = timedelta(minutes=current_app.config["REAUTH_MINUTES"])
    return (
        row is not None
        and row.authenticated_at is not None
        and (utcnow() - row.authenticated_at <= window)
    )


def fresh_login(view):
    """Declare that a view needs a fresh login, and send the person to confirm it otherwise."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if is_fresh():
            return view(*args, **kwargs)
        return redirect(url_for(CONFIRM_ENDPOINT, next=_back_after_confirming()))

    wrapped.fresh_login = True  # type: ignore[attr-defined]
    return wrapped


def _back_after_confirming() -> str:
    """This page again; for a button that only posts, the page it was on (same site only)."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    rule = request.url_rule
    if rule is not None and rule.methods is not None and "GET" in rule.methods:
        return request.path
    return _referring_path() or url_for("core.dashboard")


def _referring_path() -> str | None:
    parts = urlsplit(request.referrer or "")
    if parts.netloc != request.host or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def confirm_identity(user: User, *, password: str, code: str, address: str):
    """ "Confirm it's you" with the password or a code: None when it holds (the session is
    fresh again), else the refusal. Failures count like wrong codes at login."""
    field = "password" if password else "code"
    wrong = DomainError(_("Dit klopt niet. Probeer het opnieuw."), field=field)

    def check() -> bool:
        if password:
            return verify_password(user.password_hash, password[:1024])
        return check_code(user, code)

    refusal = counted_check(user, address, check, wrong)
    row = current_session()
    if refusal is None and row is not None:
        row.authenticated_at = utcnow()
    return refusal
