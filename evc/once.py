"""Forms that may be saved only once: a double click or a resent form adds no duplicate.

The form carries a random token; saving records its hash under a unique constraint, so a
second submission of the same form is refused, also when both arrive at the same moment.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import HiddenField

from evc.db import Base, UTCDateTime, utcnow
from evc.errors import DomainError, flush_or_refuse
from evc.extensions import db


class FormSubmission(Base):
    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OnceMixin:
    """Add to a FlaskForm; call ``consume_once(form)`` inside the save."""

    once = HiddenField(default=lambda: secrets.token_urlsafe(16))


def consume_once(form) -> None:
    token = form.once.data or ""
    if len(token) < 16:
        raise DomainError(_("Het formulier is niet compleet verstuurd. Laad de pagina opnieuw."))
    digest = hashlib.sha256(token.encode()).hexdigest()
    db.session.add(FormSubmission(token_hash=digest))
    flush_or_refuse(DomainError(_already_sent()))


def _already_sent() -> str:
    return _(
        "Dit formulier is al verstuurd en is één keer opgeslagen. Er is niets dubbel opgeslagen."
    )
