"""The guard of the move to the final interview: the assessment domain keeps the report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from evc.assessment.services.common import has_final_report
from evc.procedure.phases import Phase, register_guard


def assessment_report_final(trajectory) -> str | None:
    """The independent assessor made the report final."""
    if not has_final_report(trajectory):
        return _l("Het beoordelingsrapport is nog niet definitief.")
    return None


def init_app(app) -> None:
    register_guard(app, Phase.ASSESSMENT, Phase.FINAL_INTERVIEW, assessment_report_final)
