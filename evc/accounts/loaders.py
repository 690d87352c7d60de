"""How URLs name organisations and role offers: every rule on them loads them through this."""

from __future__ import annotations

from evc.accounts.models import Organisation, RoleOffer
from evc.web import Loader

ORGANISATION = Loader(Organisation, "organisation_id")
OFFER = Loader(RoleOffer, "offer_id")
