"""Writes for accounts. Each function changes state, writes the audit row and flushes; the
caller commits once. Mail goes to the outbox in the same transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from evc.accounts.models import (
    AccountToken,
    LoginAttempt,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    TokenPurpose,
    User,
    UserSession,
    role_fits,
)
from evc.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url, queue_mail


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


# --- login, throttling and sessions -----------------------------------------------------------


class LoginThrottled(DomainError):
    pass


def _recent_failures(column, value: str) -> int:
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])
    return db.session.scalar(
        select(func.count(LoginAttempt.id)).where(
            column == value, LoginAttempt.attempted_at >= since
        )
    )


def authenticate(email: str, password: str, address: str) -> User:
    """Return the user for these credentials or raise ``DomainError`` with one generic message.

    Failures are counted per account and per network address in the database, so the limit
    holds across worker processes. Raises ``LoginThrottled`` when either limit is reached.
    """
    config = current_app.config
    account_key = token_digest(normalise_email(email))
    if (
        _recent_failures(LoginAttempt.account_key, account_key)
        >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _recent_failures(LoginAttempt.address, address)
        >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        log_action("login.throttled", address=address)
        raise LoginThrottled(
            _(
                "Te veel mislukte pogingen. Wacht %(n)d minuten en probeer het dan opnieuw.",
                n=config["LOGIN_THROTTLE_MINUTES"],
            )
        )
    user = find_user_by_email(email) if len(password) <= config["PASSWORD_MAX_LENGTH"] else None
    password_ok = verify_password(user.password_hash if user else None, password[:1024])
    if not (user and password_ok and user.is_active_account):
        db.session.add(
            LoginAttempt(account_key=account_key, address=address, attempted_at=utcnow())
        )
        log_action("login.failed", obj=user)
        raise DomainError(_("Het e-mailadres of het wachtwoord klopt niet."))
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.account_key == account_key))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


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
        row = connection.execute(
            select(
                UserSession.id,
                UserSession.user_id,
                UserSession.created_at,
                UserSession.last_seen_at,
            ).where(UserSession.token_hash == token_digest(token))
        ).first()
        if row is None:
            return None
        if _session_expired(row.created_at, row.last_seen_at, now):
            connection.execute(delete(UserSession).where(UserSession.id == row.id))
            return None
        if now - row.last_seen_at > timedelta(minutes=1):  # write at most once a minute
            connection.execute(
                update(UserSession).where(UserSession.id == row.id).values(last_seen_at=now)
            )
    user = db.session.get(User, row.user_id, options=[joinedload(User.memberships)])
    return user if user is not None and user.is_active_account else None


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


# --- invitations and password reset ---------------------------------------------------------


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


def _mail_with_link(user: User, template: str, subject, link: str, kind: str, **context) -> None:
    with force_locale(user.language):
        body = render_template(template, user=user, link=link, **context)
        queue_mail(user, str(subject()), body, kind=kind)


def invite_member(
    organisation: Organisation,
    *,
    email: str,
    display_name: str,
    role: Role,
    language: str,
    actor: User,
) -> User:
    """Add ``role`` in ``organisation`` for the person with ``email``.

    A new person gets an account without password and an invitation link by mail; an existing
    person simply gets the extra role (and a notice by mail).
    """
    check_role_fits(organisation, role, field="role")
    user = find_user_by_email(email)
    if user is None:
        user = User(
            email=normalise_email(email), display_name=display_name.strip(), language=language
        )
        db.session.add(user)
        db.session.flush()
        _send_invitation(user, organisation, actor)
        log_action(
            "member.invited",
            actor=actor,
            organisation_id=organisation.id,
            obj=user,
            role=role.value,
        )
    elif role in user.roles_in(organisation.id):
        raise DomainError(
            _("%(name)s heeft deze rol al in deze organisatie.", name=user.display_name),
            field="email",
        )
    else:
        with force_locale(user.language):
            body = render_template(
                "email/role_added.txt",
                user=user,
                organisation=organisation,
                role=role,
                link=absolute_url("core.dashboard"),
            )
            queue_mail(user, _("Je hebt een nieuwe rol in evc"), body)
    add_role(user, organisation, role, actor=actor)
    return user


def _send_invitation(user: User, organisation: Organisation, actor: User) -> None:
    hours = current_app.config["INVITATION_VALID_HOURS"]
    token = issue_token(user, TokenPurpose.INVITATION, timedelta(hours=hours), actor)
    _mail_with_link(
        user,
        "email/invitation.txt",
        lambda: _("Uitnodiging voor evc van %(org)s", org=organisation.name),
        absolute_url("accounts.accept_invitation", token=token),
        kind="invitation",
        organisation=organisation,
        inviter=actor,
        hours=hours,
    )


def resend_invitation(user: User, organisation: Organisation, actor: User) -> None:
    if user.password_hash is not None:
        raise DomainError(_("Deze persoon heeft het account al in gebruik genomen."))
    _send_invitation(user, organisation, actor)
    log_action("member.invitation_resent", actor=actor, organisation_id=organisation.id, obj=user)


def accept_invitation(record: AccountToken, password: str) -> User:
    """Set the first password through a valid invitation token (single use)."""
    user = record.user
    check_new_password(user, password)
    user.password_hash = hash_password(password)
    record.used_at = utcnow()
    log_action("invitation.accepted", actor=user, obj=user)
    db.session.flush()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address belongs to an active account; otherwise do nothing.

    The caller shows the same message either way, so the form does not reveal who has an account.
    """
    user = find_user_by_email(email)
    if user is None or not user.is_active_account:
        return
    minutes = current_app.config["PASSWORD_RESET_VALID_MINUTES"]
    token = issue_token(user, TokenPurpose.PASSWORD_RESET, timedelta(minutes=minutes), None)
    _mail_with_link(
        user,
        "email/password_reset.txt",
        lambda: _("Nieuw wachtwoord instellen voor evc"),
        absolute_url("accounts.reset_password", token=token),
        kind="password_reset",
        minutes=minutes,
    )
    log_action("password.reset_requested", obj=user)


def reset_password(record: AccountToken, password: str) -> User:
    """Set a new password through a valid reset token; ends every session of the user."""
    user = record.user
    check_new_password(user, password)
    user.password_hash = hash_password(password)
    record.used_at = utcnow()
    end_all_sessions(user)
    log_action("password.reset", actor=user, obj=user)
    db.session.flush()
    return user


# --- organisations, roles and account status -------------------------------------------------


def create_organisation(name: str, kind: OrganisationKind, *, actor: User | None) -> Organisation:
    name = name.strip()
    if db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    ):
        raise DomainError(_("Er bestaat al een organisatie met deze naam."), field="name")
    organisation = Organisation(name=name, kind=kind)
    db.session.add(organisation)
    db.session.flush()
    log_action(
        "organisation.created", actor=actor, organisation_id=organisation.id, obj=organisation
    )
    return organisation


def check_role_fits(organisation: Organisation, role: Role, field: str | None = None) -> None:
    """A klantmanager exists only in a municipality, and a municipality has only coordinators
    and klantmanagers."""
    if role_fits(organisation.kind, role):
        return
    if organisation.kind == OrganisationKind.MUNICIPALITY:
        message = _("Bij een gemeente kun je alleen coördinatoren en klantmanagers toevoegen.")
    else:
        message = _("Een klantmanager hoort bij een gemeente, niet bij deze organisatie.")
    raise DomainError(message, field=field)


def add_role(
    user: User, organisation: Organisation, role: Role, *, actor: User | None
) -> Membership:
    check_role_fits(organisation, role)
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    log_action(
        "role.added", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )
    return membership


def remove_role(user: User, organisation: Organisation, role: Role, *, actor: User) -> None:
    """Take a role away. The last coordinator cannot remove their own coordinator role."""
    membership = next(
        (m for m in user.memberships if m.organisation_id == organisation.id and m.role == role),
        None,
    )
    if membership is None:
        raise DomainError(_("Deze persoon heeft deze rol niet."))
    if role == Role.COORDINATOR and _coordinator_count(organisation) <= 1:
        raise DomainError(_("Een organisatie heeft altijd minstens één coördinator nodig."))
    user.memberships.remove(membership)
    db.session.delete(membership)
    log_action(
        "role.removed", actor=actor, organisation_id=organisation.id, obj=user, role=role.value
    )
    db.session.flush()


def _coordinator_count(organisation: Organisation) -> int:
    return db.session.scalar(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == organisation.id, Membership.role == Role.COORDINATOR
        )
    )


def set_account_active(
    user: User, active: bool, *, organisation: Organisation, actor: User
) -> None:
    """Block or unblock an account. Blocking ends all of its sessions at once."""
    if user.id == actor.id and not active:
        raise DomainError(_("Je kunt je eigen account niet blokkeren."))
    user.is_active_account = active
    if not active:
        end_all_sessions(user)
    log_action(
        "account.activated" if active else "account.deactivated",
        actor=actor,
        organisation_id=organisation.id,
        obj=user,
    )
    db.session.flush()


def set_language(user: User, language: str) -> None:
    if language in current_app.config["LANGUAGES"]:
        user.language = language
        db.session.flush()
