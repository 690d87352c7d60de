"""Outgoing mail: messages go to an outbox table in the request's transaction.

They are sent by SMTP only after the commit (``send_pending``), so a rolled-back request sends
nothing. Without ``SMTP_HOST`` they stay in the outbox, where coordinators read the mail sent for
their organisation with every single-use link masked (``masked_body``); the recipient's own
copy, links included, is printed by ``flask --app evc evc show-mail ADDRESS``.
"""

from __future__ import annotations

import re
import smtplib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from evc.db import Base, TimestampMixin, UTCDateTime, utcnow
from evc.extensions import db
from evc.urls import secret_prefixes


class OutboxMessage(TimestampMixin, Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    # For mail to someone without an account (a referee): whose coordinators may read it.
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(254))
    # "password_reset" mails carry a link that takes over the account: never shown in the app.
    kind: Mapped[str] = mapped_column(String(30), default="notice")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(500))


def absolute_url(endpoint: str, **values) -> str:
    """A full URL for mail: always on ``BASE_URL`` when it is set (production requires it, and
    then requests for other hosts are refused); in development without it, the request's host
    (or localhost in a command without a request)."""
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    if has_request_context():
        return (
            base + url_for(endpoint, **values)
            if base
            else url_for(endpoint, _external=True, **values)
        )
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return (base or "http://localhost") + path


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _clean_header(value: str) -> str:
    # A display name must never be able to add a header line.
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


PRIVATE_KINDS = ("password_reset",)

# --- reading the outbox in the application ---------------------------------------------------

MASK = "••••••"


def _single_use_link_pattern() -> re.Pattern:
    """A link to any route with a ``<secret:...>`` part (invitation, referee, password reset):
    the path up to the token, and the token itself."""
    prefixes = sorted(secret_prefixes(current_app), key=len, reverse=True)
    return re.compile(rf"\S*?({'|'.join(re.escape(prefix) for prefix in prefixes)})\S+")


def masked_body(body: str) -> str:
    """A mail as the outbox shows it to someone other than its recipient: every single-use link
    becomes ``…/uitnodiging/••••••``, so reading someone's mail never lets one use their link."""
    return _single_use_link_pattern().sub(lambda match: f"…{match.group(1)}{MASK}", body)


def mail_to(address: str, *, limit: int) -> list[OutboxMessage]:
    """The newest messages to ``address`` in full, for the command line (whoever can run it
    can read the database anyway)."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.to_address == address.strip().lower())
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def queue_mail(
    recipient, subject: str, body: str, kind: str = "notice", *, organisation_id: int | None = None
) -> OutboxMessage:
    """Put a message for ``recipient`` (a User) in the outbox; sent after the commit.

    ``organisation_id`` is the organisation the mail is sent for: only its coordinators read it
    in the outbox. Mail about the account itself has none."""
    message = OutboxMessage(
        recipient_id=recipient.id,
        organisation_id=organisation_id,
        kind=kind,
        to_address=recipient.email,
        subject=_clean_header(subject)[:200],
        body=body,
    )
    db.session.add(message)
    return message


def mail_user(
    user,
    template: str,
    subject,
    *,
    kind: str = "notice",
    organisation_id: int | None = None,
    language: str | None = None,
    **context,
) -> OutboxMessage:
    """The one way a domain mails a person: ``template`` rendered in their own language (or
    ``language``) with ``user`` and ``context``, queued in this transaction for the organisation
    ``organisation_id``. ``subject`` is a lazy string or a function that returns one (evaluated
    in the recipient's language)."""
    with force_locale(language or user.language):
        body = render_template(template, user=user, **context)
        title = subject() if callable(subject) else subject
        return queue_mail(user, str(title), body, kind=kind, organisation_id=organisation_id)


def queue_mail_to_address(
    address: str, subject: str, body: str, *, organisation_id: int, kind: str = "notice"
) -> OutboxMessage:
    """Mail someone without an account (a referee); the outbox shows it to that organisation."""
    message = OutboxMessage(
        recipient_id=None,
        organisation_id=organisation_id,
        kind=kind,
        to_address=address.strip(),
        subject=_clean_header(subject)[:200],
        body=body,
    )
    db.session.add(message)
    return message


def send_pending(limit: int = 50) -> int:
    """Send unsent messages by SMTP; returns how many were sent. No-op without SMTP."""
    if not smtp_configured():
        return 0
    config = current_app.config
    pending = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).limit(limit)
    ).all()
    sent = 0
    for message in pending:
        try:
            _send_one(config, message)
            message.sent_at = utcnow()
            message.last_error = None
            sent += 1
        except (OSError, smtplib.SMTPException) as exc:
            message.last_error = str(exc)[:500]
    db.session.commit()
    return sent


def _send_one(config, message: OutboxMessage) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=20) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        smtp.send_message(email)
