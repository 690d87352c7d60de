"""Tokens for scheduling tools: created (shown once), revoked, and found by their value."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Organisation, User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.protocols.models import ApiToken


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(organisation: Organisation, name: str, *, actor: User) -> tuple[ApiToken, str]:
    """A new token for a scheduling tool; the plain token is returned once and never stored."""
    name = _token_name(name)
    plain = "evc_" + secrets.token_urlsafe(32)
    token = ApiToken(
        organisation_id=organisation.id,
        name=name[:100],
        token_hash=token_digest(plain),
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    log_action(
        "api_token.created",
        actor=actor,
        organisation_id=organisation.id,
        obj=token,
        name=token.name,
    )
    return token, plain


def _token_name(name: str) -> str:
    """The name on one line; a token needs one."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(
            _("Geef de sleutel een naam, bijvoorbeeld de naam van het roosterprogramma."),
            field="name",
        )
    return name


def revoke_api_token(token: ApiToken, *, actor: User) -> None:
    if token.revoked_at is not None:
        raise DomainError(_("Deze sleutel is al ingetrokken."))
    token.revoked_at, token.revoked_by_id = utcnow(), actor.id
    db.session.flush()
    log_action("api_token.revoked", actor=actor, organisation_id=token.organisation_id, obj=token)


def find_api_token(plain: str) -> ApiToken | None:
    """The active token with this value, or None (unknown and revoked look the same)."""
    if not plain or len(plain) > 200:
        return None
    return db.session.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == token_digest(plain), ApiToken.revoked_at.is_(None)
        )
    )


def tokens_of(organisation_id: int) -> list[ApiToken]:
    """The organisation's tokens, active ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.organisation_id == organisation_id)
            .options(joinedload(ApiToken.created_by))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )
