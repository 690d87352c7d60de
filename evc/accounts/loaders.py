"""How URLs name organisations: every rule on an organisation loads it through this."""

from __future__ import annotations

from evc.accounts.models import Organisation
from evc.web import Loader

ORGANISATION = Loader(Organisation, "organisation_id")
