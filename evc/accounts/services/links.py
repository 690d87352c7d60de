"""Passwords, and the single-use links that set one: invitations and password reset."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from evc import throttle
from evc.accounts.models import AccountToken, Organisation, TokenPurpose, User
from evc.accounts.passwords import hash_password, password_problem, verify_password
from evc.accounts.services.identity import find_user_by_email, token_digest
from evc.accounts.services.offers import invitation_mail
from evc.accounts.services.sessions import end_all_sessions
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url, mail_user

# --- passwords -----------------------------------------------------------------------------


def check_new_password(user: User, password: str) -> None:
    config = current_app.config
    problem = password_problem(
        password,
        email=user.email,
        min_length=config["PASSWORD_MIN_LENGTH"],
        max_length=config["PASSWORD_MAX_LENGTH"],
    )
    if problem:
        raise DomainError(problem, field="password")


def change_password(user: User, current: str, new: str, *, keep_token: str | None) -> None:
    """Change the password after checking the current one; ends every other session."""
    if not verify_password(user.password_hash, current[:1024]):
        raise DomainError(_("Je huidige wachtwoord klopt niet."), field="current_password")
    check_new_password(user, new)
    user.password_hash = hash_password(new)
    end_all_sessions(user, keep_token=keep_token)
    log_action("password.changed", actor=user, obj=user)
    db.session.flush()


# --- the links -----------------------------------------------------------------------------


def issue_token(user: User, purpose: TokenPurpose, valid: timedelta, actor: User | None) -> str:
    # A new link makes older unused links of the same kind worthless.
    db.session.execute(
        delete(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=token_digest(token),
            expires_at=utcnow() + valid,
            created_by_id=actor.id if actor else None,
        )
    )
    return token


def find_valid_token(token: str, purpose: TokenPurpose) -> AccountToken | None:
    """The unused, unexpired token record, or None (unknown, used and expired look the same)."""
    row = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == token_digest(token or ""),
            AccountToken.purpose == purpose,
        )
    )
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def _use_token(record: AccountToken, password: str) -> User:
    """Set the password through ``record`` and spend the link."""
    user = record.user
    check_new_password(user, password)
    user.password_hash = hash_password(password)
    record.used_at = utcnow()
    return user


# --- invitations ---------------------------------------------------------------------------


def send_invitation(user: User, organisation: Organisation, actor: User) -> None:
    """A new person's invitation: a link to choose a password (the old link stops working)."""
    hours = current_app.config["INVITATION_VALID_HOURS"]
    token = issue_token(user, TokenPurpose.INVITATION, timedelta(hours=hours), actor)
    invitation_mail(
        user,
        organisation,
        sorted(user.roles_in(organisation.id)),
        absolute_url("accounts.invitation_link", token=token),
        name=user.display_name,
        email=user.email,
        language=user.language,
        inviter=actor,
    )


def accept_invitation(record: AccountToken, password: str) -> User:
    """Set the first password through a valid invitation token (single use)."""
    user = _use_token(record, password)
    # Each organisation that invited the person reads in its own log that they started.
    organisations: list[int | None] = [*sorted(user.organisation_ids())] or [None]
    for organisation_id in organisations:
        log_action("invitation.accepted", actor=user, organisation_id=organisation_id, obj=user)
    db.session.flush()
    return user


# --- password reset ------------------------------------------------------------------------


RESET_ACCOUNT_SCOPE = "reset-account"
RESET_ADDRESS_SCOPE = "reset-address"


def request_password_reset(email: str, address: str = "") -> None:
    """Mail a reset link when the address belongs to an active account; otherwise do nothing.

    The caller shows the same message either way, so the form does not reveal who has an account.
    A few mails an hour per account at most, and a limit per client address: nobody can fill
    someone's mailbox with reset mails.
    """
    user = find_user_by_email(email)
    if _reset_limit_reached(user, address) or user is None or not user.is_active_account:
        return
    minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    token = issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(minutes=minutes), None)
    mail_user(
        user,
        "email/password_reset.txt",
        lambda: _("Nieuw wachtwoord instellen voor evc"),
        kind="password_reset",
        link=absolute_url("accounts.reset_link", token=token),
        minutes=minutes,
    )
    log_action("password.reset_requested", obj=user)


def _reset_limit_reached(user: User | None, address: str) -> bool:
    """Count this request; True (and logged) when the account or the address is over its limit."""
    config, hour = current_app.config, timedelta(hours=1)
    counted = [(RESET_ADDRESS_SCOPE, address, config["PASSWORD_RESET_MAX_PER_ADDRESS"])]
    if user is not None:
        counted.append(
            (RESET_ACCOUNT_SCOPE, str(user.id), config["PASSWORD_RESET_MAX_PER_ACCOUNT"])
        )
    over = [s for s, key, most in counted if throttle.too_many(s, key, most=most, within=hour)]
    for scope, key, _most in counted:
        throttle.record(scope, key)
    if over:
        log_action("password.reset_throttled", obj=user, address=address)
    return bool(over)


def reset_password(record: AccountToken, password: str) -> User:
    """Set a new password through a valid reset token; ends every session of the user."""
    user = _use_token(record, password)
    end_all_sessions(user)
    log_action("password.reset", actor=user, obj=user)
    db.session.flush()
    return user
