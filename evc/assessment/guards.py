"""The guard of the move to the final interview: the assessment domain keeps the report."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from evc.assessment.models import AssessmentReport
from evc.extensions import db
from evc.procedure.phases import Phase, register_guard


def assessment_report_final(trajectory) -> str | None:
    """The independent assessor made the report final."""
    final = db.session.scalar(
        select(AssessmentReport.finalised_at).where(AssessmentReport.trajectory_id == trajectory.id)
    )
    if final is None:
        return _l("Het beoordelingsrapport is nog niet definitief.")
    return None


def init_app(app) -> None:
    register_guard(app, Phase.ASSESSMENT, Phase.FINAL_INTERVIEW, assessment_report_final)
