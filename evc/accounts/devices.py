"""The device cookie (OWASP's pattern against lock-out): a browser in which someone logged in
to an account before carries a signed note of that, and failed logins from such a browser are
counted on their own. Guessing from unknown browsers then slows only those browsers down; the
owner, from their own browser, still gets in.

The cookie holds, per account (as a keyed hash, never the address), a random nonce; it is
signed with the app's secret and expires after ``DEVICE_COOKIE_DAYS``. At most five accounts
are remembered per browser (a shared computer in a volunteer centre).
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from evc import throttle

COOKIE = "evc_device"
MOST_ACCOUNTS = 5


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="evc-device")


def _max_age() -> timedelta:
    return timedelta(days=current_app.config["DEVICE_COOKIE_DAYS"])


def _remembered() -> dict[str, str]:
    """The accounts this browser logged in to before, as {account hash: nonce}."""
    raw = request.cookies.get(COOKIE, "")
    try:
        found = _serializer().loads(raw, max_age=int(_max_age().total_seconds())) if raw else {}
    except BadSignature:
        return {}
    return found if isinstance(found, dict) else {}


def device_of(account: str) -> str | None:
    """The nonce of this browser for ``account`` (a normalised e-mail address), if it has one."""
    return _remembered().get(throttle.key_hash(account))


def remember(response, account: str) -> None:
    """After a successful login: this browser is known for ``account`` from now on."""
    known = _remembered()
    mine = throttle.key_hash(account)
    nonce = known.pop(mine, None) or secrets.token_urlsafe(16)
    kept = dict(list(known.items())[-(MOST_ACCOUNTS - 1) :])
    response.set_cookie(
        COOKIE,
        _serializer().dumps({**kept, mine: nonce}),
        max_age=int(_max_age().total_seconds()),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
