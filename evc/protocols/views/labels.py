"""What the screens of this part call states and VOG statuses, and the choice lists they share."""

from __future__ import annotations

from flask_babel import gettext as _

from evc.protocols.models import VogStatus
from evc.protocols.status import State


def state_labels() -> dict:
    """State labels, translated once per page."""
    return {
        State.CLEARED: _("Bevoegd"),
        State.EXPIRES_SOON: _("Verloopt binnenkort"),
        State.EXPIRED: _("Verlopen"),
        State.REACKNOWLEDGE: _("Opnieuw bevestigen nodig"),
        State.IN_PROGRESS: _("Bezig"),
        State.REVOKED: _("Ingetrokken"),
        State.MISSING: _("Ontbreekt"),
    }


def vog_labels() -> dict:
    return {
        VogStatus.NOT_REQUESTED: _("Niet aangevraagd"),
        VogStatus.REQUESTED: _("Aangevraagd"),
        VogStatus.RECEIVED: _("Ontvangen"),
    }


def volunteer_choices(volunteers) -> list[tuple[int, str]]:
    return [(0, _("Kies een vrijwilliger"))] + [(u.id, u.display_name) for u in volunteers]


def task_choices(protocols) -> list[tuple[int, str]]:
    return [(0, _("Kies een taak"))] + [(p.id, v.title) for p, v in protocols]
