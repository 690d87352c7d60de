"""Invitations to people who already have an account: they wait for the person's answer.
The coordinator sees only what he typed (name, address, role), sends them again or takes
them back."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from evc.accounts import services
from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation, RoleOffer
from evc.admin.views.blueprint import bp
from evc.admin.views.members import members_url, role_names
from evc.web import actor, done, get_or_404, page, permission, press


def _load_offer(organisation: Organisation, offer_id: int) -> RoleOffer:
    """An open invitation of ``organisation``; any other is a 404."""
    return get_or_404(
        RoleOffer,
        offer_id,
        where=lambda offer: offer.organisation_id == organisation.id and offer.status == "pending",
    )


def _offer_url(organisation: Organisation, offer: RoleOffer) -> str:
    return url_for("admin.offer", organisation_id=organisation.id, offer_id=offer.id)


@bp.route("/organisaties/<int:organisation_id>/uitnodigingen/<int:offer_id>")
@permission("organisation.manage_members", ORGANISATION)
def offer(organisation: Organisation, offer_id: int):
    return page(
        "admin/offer.html",
        organisation=organisation,
        offer=_load_offer(organisation, offer_id),
        role_names=role_names(),
    ).render()


@bp.route(
    "/organisaties/<int:organisation_id>/uitnodigingen/<int:offer_id>/opnieuw-sturen",
    methods=["POST"],
)
@permission("organisation.manage_members", ORGANISATION)
def resend_offer(organisation: Organisation, offer_id: int):
    chosen = _load_offer(organisation, offer_id)

    def action():
        services.resend_offer(chosen, actor=actor())
        message = _("Er is een nieuwe uitnodiging gestuurd naar %(email)s.", email=chosen.email)
        return done(_offer_url(organisation, chosen), message)

    return press(action, _offer_url(organisation, chosen))


@bp.route(
    "/organisaties/<int:organisation_id>/uitnodigingen/<int:offer_id>/intrekken",
    methods=["POST"],
)
@permission("organisation.manage_members", ORGANISATION)
def withdraw_offer(organisation: Organisation, offer_id: int):
    chosen = _load_offer(organisation, offer_id)

    def action():
        services.withdraw_offer(chosen, actor=actor())
        message = _("De uitnodiging voor %(email)s is ingetrokken.", email=chosen.email)
        return done(members_url(organisation), message)

    return press(action, _offer_url(organisation, chosen))
