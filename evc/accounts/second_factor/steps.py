"""The pending login in the cookie: after a right password (at the login form, or after setting
a password through an invitation or reset link) someone with, or in need of, a second factor
gets no session yet but a pending login, and goes to the code step or to enrolment."""

from __future__ import annotations

from flask import session, url_for

from evc.accounts.models import User
from evc.accounts.second_factor import login
from evc.accounts.second_factor.services import has_second_factor

CHALLENGE_KEY = "login_step"  # the pending login's token in the signed cookie
NEXT_KEY = "login_next"  # where the login goes once the step is done (a same-site path)


def second_step(user: User, target: str) -> str | None:
    """None when ``user`` may have a session now; else the URL of the step, with the pending
    login in a fresh cookie (only the language chosen before login is kept)."""
    if not login.needs_second_step(user):
        return None
    token = login.start_challenge(user)
    chosen = session.get("lang")
    session.clear()
    if chosen:
        session["lang"] = chosen
    session[CHALLENGE_KEY] = token
    session[NEXT_KEY] = target
    return url_for("second_factor.code" if has_second_factor(user) else "second_factor.enrol")


def pending_user() -> User | None:
    return login.pending_user(session.get(CHALLENGE_KEY))


def end_pending_login() -> str:
    """Forget the pending login; returns where the login goes next."""
    login.end_challenge(session.get(CHALLENGE_KEY))
    return session.get(NEXT_KEY) or url_for("core.dashboard")
