"""An organisation's procedure settings: the defaults, written once, and the one reader.

The model (``OrganisationSettings``) takes its column defaults from ``DEFAULTS`` too, so a row
created without values and an organisation without a row behave the same.
"""

from __future__ import annotations

DEFAULTS = {
    "min_guidance_sessions": 2,
    "recommended_group_meetings": 2,
    "stalled_after_days": 30,
    "allow_internal_assessor": False,
    "blind_assessment": False,
    "two_assessors": False,
    "share_reports_with_case_managers": False,
}


def settings_of(organisation_or_id):
    """The organisation's settings (an Organisation or its id), or the defaults (a new row,
    not added to the session)."""
    # Imported here: the model imports DEFAULTS from this module.
    from evc.extensions import db
    from evc.procedure.models import OrganisationSettings

    organisation_id = getattr(organisation_or_id, "id", organisation_or_id)
    row = db.session.get(OrganisationSettings, organisation_id)
    if row is None:
        row = OrganisationSettings(organisation_id=organisation_id, **DEFAULTS)
    return row
