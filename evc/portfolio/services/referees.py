"""Referee statements: asking a referee through a single-use link, and the answer."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts.models import User
from evc.accounts.services import token_digest
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url, mail_user, queue_mail_to_address
from evc.portfolio.models import (
    EvidenceItem,
    EvidenceKind,
    RefereeRequest,
    RefereeStatus,
)
from evc.portfolio.services.common import log_on_item, require_editable, touch


def request_referee(
    item: EvidenceItem, *, name: str, role: str, email: str, actor: User
) -> RefereeRequest:
    """Ask a referee (no account needed) to confirm the item through a single-use link."""
    _check_referee_possible(item)
    token = secrets.token_urlsafe(32)
    request = _pending_request(item, name=name, role=role, email=email, token=token)
    _mail_referee(item, request, token)
    log_on_item(item, "referee.requested", actor=actor)
    db.session.flush()
    return request


def _check_referee_possible(item: EvidenceItem) -> None:
    require_editable(item.trajectory)
    if item.kind != EvidenceKind.REFEREE_STATEMENT:
        raise DomainError(_("Een referent vraag je alleen bij een verklaring."))
    if item.referee is not None and item.referee.status == RefereeStatus.CONFIRMED:
        raise DomainError(_("Deze verklaring is al bevestigd."))


def _pending_request(
    item: EvidenceItem, *, name: str, role: str, email: str, token: str
) -> RefereeRequest:
    """The item's request (new, or the earlier one asked again), pending with a fresh link."""
    days = current_app.config["REFEREE_LINK_VALID_DAYS"]
    request = item.referee or RefereeRequest(item=item)
    request.referee_name, request.referee_role = name.strip(), role.strip()
    request.referee_email = email.strip().lower()
    request.token_hash = token_digest(token)
    request.expires_at = utcnow() + timedelta(days=days)
    request.status = RefereeStatus.PENDING
    request.referee_words, request.responded_at = "", None
    db.session.add(request)
    return request


def _mail_referee(item: EvidenceItem, request: RefereeRequest, token: str) -> None:
    """Mail the link to the referee, who has no account, in the volunteer's language."""
    volunteer = item.trajectory.volunteer
    with force_locale(volunteer.language):
        body = render_template(
            "email/referee_request.txt",
            request=request,
            item=item,
            volunteer=volunteer,
            days=current_app.config["REFEREE_LINK_VALID_DAYS"],
            link=absolute_url("portfolio.referee_link", token=token),
        )
        subject = _("%(name)s vraagt je om een verklaring", name=volunteer.display_name)
        queue_mail_to_address(
            request.referee_email,
            subject,
            body,
            organisation_id=item.trajectory.organisation_id,
            kind="referee_request",
        )


def find_referee_request(token: str) -> RefereeRequest | None:
    """The pending, unexpired request for this link; used, expired and unknown look the same."""
    request = db.session.scalar(
        select(RefereeRequest).where(RefereeRequest.token_hash == token_digest(token or ""))
    )
    if request is None or request.status != RefereeStatus.PENDING or request.expires_at < utcnow():
        return None
    return request


def answer_referee(request: RefereeRequest, *, confirm: bool, words: str) -> None:
    """The referee confirms (optionally in their own words) or declines; the link is used up."""
    words = (words or "").strip()
    if not confirm and not words:
        raise DomainError(_("Schrijf kort waarom je dit niet kunt bevestigen."), field="words")
    request.status = RefereeStatus.CONFIRMED if confirm else RefereeStatus.DECLINED
    request.referee_words = words
    request.responded_at = utcnow()
    request.token_hash = None  # single use
    item = request.item
    log_on_item(item, "referee.confirmed" if confirm else "referee.declined", actor=None)
    _tell_volunteer_of_answer(request)
    touch(item.trajectory)
    db.session.flush()


def _tell_volunteer_of_answer(request: RefereeRequest) -> None:
    item = request.item
    mail_user(
        item.trajectory.volunteer,
        "email/referee_answered.txt",
        lambda: _("%(name)s heeft gereageerd op je verklaring", name=request.referee_name),
        organisation_id=item.trajectory.organisation_id,
        request=request,
        item=item,
        link=absolute_url("portfolio.item", item_id=item.id),
    )
