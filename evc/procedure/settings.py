"""An organisation's procedure settings: the readers and the one place they are saved. The
defaults are written once, beside the model (``DEFAULTS``), so a row created without values and
an organisation without a row behave the same.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from evc.audit import log_action
from evc.errors import DomainError
from evc.extensions import db
from evc.procedure.models import DEFAULTS, OrganisationSettings

# The numbers a coordinator may choose: (lowest, highest, message when outside).
RANGES = {
    "min_guidance_sessions": (0, 20, "Kies een aantal van 0 tot 20."),
    "recommended_group_meetings": (0, 20, "Kies een aantal van 0 tot 20."),
    "stalled_after_days": (7, 365, "Kies een aantal dagen van 7 tot 365."),
}


def _default(organisation_id: int) -> OrganisationSettings:
    """The defaults as a new row, not added to the session."""
    return OrganisationSettings(organisation_id=organisation_id, **DEFAULTS)


def settings_of(organisation_or_id) -> OrganisationSettings:
    """The organisation's settings (an Organisation or its id), or the defaults."""
    organisation_id = getattr(organisation_or_id, "id", organisation_or_id)
    return db.session.get(OrganisationSettings, organisation_id) or _default(organisation_id)


def settings_for(organisation_ids) -> dict[int, OrganisationSettings]:
    """The settings of many organisations in one query, by organisation id."""
    rows = db.session.scalars(
        select(OrganisationSettings).where(OrganisationSettings.organisation_id.in_(organisation_ids))
    )
    found = {row.organisation_id: row for row in rows}
    return {oid: found.get(oid) or _default(oid) for oid in organisation_ids}


def save_settings(organisation, data: dict, *, actor) -> None:
    """Check the numbers against their ranges, store what changed and log it."""
    for name, (lowest, highest, message) in RANGES.items():
        if not lowest <= data[name] <= highest:
            raise DomainError(_(message), field=name)
    row = settings_of(organisation)
    db.session.add(row)
    changed = {name: value for name, value in data.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    log_action("settings.changed", actor=actor, organisation_id=organisation.id, **changed)
    db.session.flush()
