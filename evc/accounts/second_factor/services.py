"""Setting up an authenticator app, checking its codes, and the recovery codes.

Who must have a second factor: site administrators, coordinators, klantmanagers, assessors and
instructors (``second_factor_required``). Volunteers, clients and supervisors may turn it on.

The app's secret is stored encrypted (Fernet, with a key derived from ``SECRET_KEY``), so a copy
of the database alone does not give anyone the codes; after enrolment it is never shown again.
A code is accepted once (RFC 6238, 5.2), within one 30-second step of clock drift. Recovery
codes are stored as Argon2 hashes like passwords: they keep working when ``SECRET_KEY`` changes,
which is how someone logs in to set up their app again after such a change.
"""

from __future__ import annotations

import base64
import hmac
import secrets
from dataclasses import dataclass

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from evc.accounts.models import Role, User
from evc.accounts.passwords import hash_password, verify_password
from evc.accounts.second_factor.models import RecoveryCode, TotpCredential
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db

REQUIRED_FOR_ROLES = frozenset(
    {Role.COORDINATOR, Role.CASE_MANAGER, Role.ASSESSOR, Role.INSTRUCTOR}
)
ISSUER = "evc"
RECOVERY_CODE_COUNT = 10
# Ten characters without look-alikes (no 0/o, 1/l/i): about 49 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 10


def second_factor_required(user: User) -> bool:
    """Site administrators and the roles that see other people's data must use a code."""
    return user.is_site_admin or any(m.role in REQUIRED_FOR_ROLES for m in user.memberships)


# --- the secret, encrypted at rest -------------------------------------------------------------


def _fernet() -> Fernet:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    key = HKDF(algorithm=SHA256(), length=32, salt=None, info=b"evc second factor").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode("ascii")


def decrypt(stored: str) -> str | None:
    """The secret, or None when it cannot be read (``SECRET_KEY`` has changed since)."""
    try:
        return _fernet().decrypt(stored.encode("ascii")).decode()
    except InvalidToken:
        return None


# --- the authenticator app ---------------------------------------------------------------------


def _credentials(user: User, *, confirmed: bool):
    state = (
        TotpCredential.confirmed_at.is_not(None)
        if confirmed
        else TotpCredential.confirmed_at.is_(None)
    )
    return select(TotpCredential).where(TotpCredential.user_id == user.id, state)


def active_credential(user: User) -> TotpCredential | None:
    return db.session.scalar(_credentials(user, confirmed=True))


def has_second_factor(user: User) -> bool:
    return active_credential(user) is not None


def pending_credential(user: User) -> TotpCredential:
    """The app being set up: the same secret until it is confirmed, so a reload or a second
    look does not invalidate what the person has just scanned."""
    pending = db.session.scalar(_credentials(user, confirmed=False))
    if pending is None:
        pending = TotpCredential(user_id=user.id, secret_encrypted=encrypt(pyotp.random_base32()))
        db.session.add(pending)
        db.session.flush()
    return pending


def secret_of(credential: TotpCredential) -> str:
    return decrypt(credential.secret_encrypted) or ""


def provisioning_uri(user: User, credential: TotpCredential) -> str:
    """The ``otpauth://`` link that the QR code holds."""
    return pyotp.TOTP(secret_of(credential)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def _accepts(credential: TotpCredential | None, code: str) -> bool:
    """Whether ``code`` is the app's code now (or one step before or after) and newer than the
    last code accepted; an accepted step is remembered, so the same code never works twice."""
    secret = decrypt(credential.secret_encrypted) if credential is not None else None
    if credential is None or secret is None:
        return False
    totp = pyotp.TOTP(secret)
    now = totp.timecode(utcnow())
    for step in (now - 1, now, now + 1):
        newer = step > (credential.last_used_step or -1)
        if newer and hmac.compare_digest(totp.generate_otp(step), code):
            credential.last_used_step = step
            return True
    return False


def confirm_enrolment(user: User, code: str, *, actor: User) -> list[str]:
    """Switch the app on once its first code is right; returns new recovery codes (shown once).
    A new app replaces the one before it."""
    pending = pending_credential(user)
    if not _accepts(pending, _cleaned(code)):
        raise DomainError(
            _("Deze code klopt niet. Kijk of de tijd op je telefoon goed staat."), field="code"
        )
    db.session.execute(
        delete(TotpCredential).where(
            TotpCredential.user_id == user.id, TotpCredential.id != pending.id
        )
    )
    pending.confirmed_at = utcnow()
    log_action("second_factor.enabled", actor=actor, obj=user)
    return _replace_recovery_codes(user)


def usable_secret(secret: str) -> bool:
    """Base32 and long enough (at least 112 bits) for an authenticator app."""
    try:
        pyotp.TOTP(secret).now()
    except ValueError:
        return False
    return True


def enrol_with_secret(user: User, secret: str) -> TotpCredential:
    """A confirmed app with a known secret (the demo accounts: ``EVC_DEMO_TOTP_SECRET``)."""
    if not usable_secret(secret):
        raise ValueError("not a usable base32 secret")
    credential = TotpCredential(
        user_id=user.id, secret_encrypted=encrypt(secret), confirmed_at=utcnow()
    )
    db.session.add(credential)
    db.session.flush()
    return credential


def check_code(user: User, code: str) -> bool:
    """A code from the app, or one of the unused recovery codes (which is then used up)."""
    cleaned = _cleaned(code)
    if cleaned.isdigit() and len(cleaned) == 6:
        return _accepts(active_credential(user), cleaned)
    return _use_recovery_code(user, cleaned)


def _cleaned(code: str) -> str:
    return "".join((code or "").lower().split()).replace("-", "")


# --- recovery codes -----------------------------------------------------------------------------


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(user_id=user.id, code_hash=hash_password(_cleaned(code))) for code in codes
    )
    db.session.flush()
    return codes


def _use_recovery_code(user: User, cleaned: str) -> bool:
    if len(cleaned) != RECOVERY_LENGTH:
        return False
    unused = db.session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )
    for row in unused:
        if verify_password(row.code_hash, cleaned):
            row.used_at = utcnow()
            log_action("second_factor.recovery_code_used", actor=user, obj=user)
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.count(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def renew_recovery_codes(user: User, *, actor: User) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    if not has_second_factor(user):
        raise DomainError(_("Zet eerst inloggen met een code aan."))
    log_action("second_factor.recovery_codes_renewed", actor=actor, obj=user)
    return _replace_recovery_codes(user)


@dataclass(frozen=True)
class FactorStatus:
    """What the account page says: on or off, whether it may be switched off, codes left."""

    on: bool
    required: bool
    codes_left: int


def factor_status(user: User) -> FactorStatus:
    on = has_second_factor(user)
    return FactorStatus(on, second_factor_required(user), recovery_codes_left(user) if on else 0)


# --- switching it off ---------------------------------------------------------------------------


def turn_off(user: User, *, actor: User) -> None:
    """Someone who may choose switches the second factor off again."""
    if second_factor_required(user):
        raise DomainError(
            _("Voor jouw rol is inloggen met een code verplicht. Je kunt het niet uitzetten.")
        )
    remove_second_factor(user, actor=actor)


def remove_second_factor(user: User, *, actor: User | None) -> None:
    """The app and the recovery codes are removed: at the next login someone who must have a
    second factor sets up a new app (after losing both, with the site administrator's help)."""
    db.session.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    log_action("second_factor.disabled", actor=actor, obj=user)
    db.session.flush()
