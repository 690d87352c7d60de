"""An organisation's procedure settings: the readers, the one place they are saved, and the one
reading of when a trajectory has stalled. The defaults are written once, beside the model
(``DEFAULTS``), so a row created without values and an organisation without a row behave the
same.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

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


def stalled_among(rows: Sequence[Any], now) -> list[Any]:
    """The trajectories of ``rows`` (or rows with their ``last_activity_at`` and
    ``organisation_id``) without activity for longer than their organisation allows."""
    limits = settings_for({r.organisation_id for r in rows}) if rows else {}
    return [r for r in rows if now - r.last_activity_at > _pause(limits[r.organisation_id])]


def _pause(settings: OrganisationSettings) -> timedelta:
    return timedelta(days=settings.stalled_after_days)


def save_settings(organisation, data: dict, *, actor) -> None:
    """Check the numbers against their ranges, store what changed and log it."""
    _check_ranges(data)
    row = settings_of(organisation)
    db.session.add(row)
    changed = {name: value for name, value in data.items() if getattr(row, name) != value}
    for name, value in changed.items():
        setattr(row, name, value)
    log_action("settings.changed", actor=actor, organisation_id=organisation.id, **changed)
    db.session.flush()


def _check_ranges(data: dict) -> None:
    for name, (lowest, highest, message) in RANGES.items():
        if not lowest <= data[name] <= highest:
            raise DomainError(_(message), field=name)
