"""A role offered to someone who already has an account: it counts only once they accept it,
logged in as themselves.

The invitation mail is the same one a new person gets (the name the inviter typed, the language
of the form, a link to ``/uitnodiging/…``), so the inviting organisation cannot tell from the
form, the mail or the member list whether the address has an account. The link itself never
logs anyone in: it asks the person to log in with their own account, where the offer waits on
their dashboard.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import OfferStatus, Organisation, Role, RoleOffer, User
from evc.accounts.services.identity import normalise_email, token_digest
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url, mail_user


def invitation_mail(
    user: User, organisation: Organisation, roles: list[Role], link: str, **about
) -> None:
    """The one invitation mail, for a new person and for an existing account alike: ``about``
    holds what the inviter typed (``name``, ``email``, ``language``) and the ``inviter``."""
    mail_user(
        user,
        "email/invitation.txt",
        lambda: _("Uitnodiging voor evc van %(org)s", org=organisation.name),
        kind="invitation",
        organisation_id=organisation.id,
        language=about.pop("language"),
        link=link,
        organisation=organisation,
        roles=[role.value for role in roles],
        hours=current_app.config["INVITATION_VALID_HOURS"],
        **about,
    )


def already_there() -> DomainError:
    """One answer for an address that has the role here or was invited to it: the inviter
    learns nothing about the account behind it."""
    return DomainError(
        _("Dit e-mailadres heeft deze rol al in deze organisatie, of is er al voor uitgenodigd."),
        field="email",
    )


def offer_role(
    user: User,
    organisation: Organisation,
    role: Role,
    *,
    display_name: str,
    language: str,
    actor: User,
) -> RoleOffer:
    """Offer ``role`` to the existing account ``user``. A second invitation for the same role
    is refused just as it is for a new person who was invited already."""
    if _open_offer(user, organisation, role) is not None:
        raise already_there()
    offer = RoleOffer(user=user, organisation=organisation, role=role, invited_by_id=actor.id)
    offer.display_name, offer.language = display_name.strip(), language
    offer.email = normalise_email(user.email)
    db.session.add(offer)
    _send(offer, actor)
    db.session.flush()
    log_action(
        "member.invited", actor=actor, organisation_id=organisation.id, obj=offer, role=role.value
    )
    return offer


def _open_offer(user: User, organisation: Organisation, role: Role) -> RoleOffer | None:
    return db.session.scalar(
        select(RoleOffer).where(
            RoleOffer.user_id == user.id,
            RoleOffer.organisation_id == organisation.id,
            RoleOffer.role == role,
            RoleOffer.status == OfferStatus.PENDING,
        )
    )


def _send(offer: RoleOffer, inviter: User) -> None:
    """A fresh link (the old one stops working) and the invitation mail."""
    token = secrets.token_urlsafe(32)
    offer.token_hash = token_digest(token)
    offer.expires_at = utcnow() + timedelta(hours=current_app.config["INVITATION_VALID_HOURS"])
    link = absolute_url("accounts.invitation_link", token=token)
    invitation_mail(
        offer.user,
        offer.organisation,
        [offer.role],
        link,
        name=offer.display_name,
        email=offer.email,
        language=offer.language,
        inviter=inviter,
    )


def resend_offer(offer: RoleOffer, *, actor: User) -> None:
    """A fresh link by mail to the person, also after the old one expired; the old one stops."""
    if offer.status != OfferStatus.PENDING:
        raise DomainError(_("Deze uitnodiging is al beantwoord."))
    _send(offer, actor)
    log_action(
        "member.invitation_resent", actor=actor, organisation_id=offer.organisation_id, obj=offer
    )
    db.session.flush()


def find_offer(token: str) -> RoleOffer | None:
    """The open offer of an invitation link, or None."""
    offer = db.session.scalar(
        select(RoleOffer)
        .where(RoleOffer.token_hash == token_digest(token or ""))
        .options(joinedload(RoleOffer.organisation))
    )
    return offer if offer is not None and _is_open(offer) else None


def _is_open(offer: RoleOffer) -> bool:
    return offer.status == OfferStatus.PENDING and offer.expires_at >= utcnow()


def _check_open(offer: RoleOffer) -> None:
    if not _is_open(offer):
        raise DomainError(_("Deze uitnodiging is verlopen of al beantwoord."))


def open_offers_for(user: User) -> list[RoleOffer]:
    """The offers waiting for ``user``'s answer, for their dashboard."""
    return list(
        db.session.scalars(
            select(RoleOffer)
            .where(
                RoleOffer.user_id == user.id,
                RoleOffer.status == OfferStatus.PENDING,
                RoleOffer.expires_at >= utcnow(),
            )
            .options(joinedload(RoleOffer.organisation))
            .order_by(RoleOffer.id)
        )
    )


def open_offers_of(organisation: Organisation) -> list[RoleOffer]:
    """The offers an organisation made that wait for an answer (expired ones included, so the
    coordinator can send them again)."""
    return list(
        db.session.scalars(
            select(RoleOffer)
            .where(
                RoleOffer.organisation_id == organisation.id,
                RoleOffer.status == OfferStatus.PENDING,
            )
            .order_by(RoleOffer.display_name, RoleOffer.id)
        )
    )


def answer_offer(offer: RoleOffer, *, accept: bool, actor: User) -> None:
    """Record the person's answer; ``members.accept_offer`` then gives the role.

    A refusal names no one in the organisation's log: the person did not join, so the
    organisation does not learn the account's name (the offer row still says whose it was)."""
    if offer.user_id != actor.id:
        raise DomainError(_("Deze uitnodiging is voor iemand anders."))
    _check_open(offer)
    offer.status = OfferStatus.ACCEPTED if accept else OfferStatus.DECLINED
    offer.answered_at = utcnow()
    log_action(
        "offer.accepted" if accept else "offer.declined",
        actor=actor if accept else None,
        organisation_id=offer.organisation_id,
        obj=offer,
        role=offer.role.value,
    )
    db.session.flush()


def decline_offer(offer: RoleOffer, *, actor: User) -> None:
    answer_offer(offer, accept=False, actor=actor)


def withdraw_offer(offer: RoleOffer, *, actor: User) -> None:
    """The organisation takes back an offer that has not been answered."""
    if offer.status != OfferStatus.PENDING:
        raise DomainError(_("Deze uitnodiging is al beantwoord."))
    offer.status, offer.answered_at = OfferStatus.WITHDRAWN, utcnow()
    log_action("offer.withdrawn", actor=actor, organisation_id=offer.organisation_id, obj=offer)
    db.session.flush()
