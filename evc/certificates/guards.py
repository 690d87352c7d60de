"""The guard of completing a trajectory: the certificates domain keeps the final interview and
the development plan."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from evc.certificates.models import DevelopmentPlanVersion, FinalInterview
from evc.extensions import db
from evc.procedure.phases import Phase, register_guard


def final_interview_closed(trajectory) -> str | None:
    """The final interview is recorded and both confirmed the latest development plan."""
    problems = []
    if not _interview_recorded(trajectory):
        problems.append(str(_l("Het eindgesprek is nog niet vastgelegd.")))
    plan = _latest_plan(trajectory)
    if plan is None or not plan.is_agreed:
        problems.append(
            str(_l("De vrijwilliger en de begeleider hebben het plan nog niet bevestigd."))
        )
    return " ".join(problems) or None


def _interview_recorded(trajectory) -> bool:
    found = db.session.scalar(
        select(FinalInterview.id).where(FinalInterview.trajectory_id == trajectory.id)
    )
    return found is not None


def _latest_plan(trajectory) -> DevelopmentPlanVersion | None:
    return db.session.scalar(
        select(DevelopmentPlanVersion)
        .where(DevelopmentPlanVersion.trajectory_id == trajectory.id)
        .order_by(DevelopmentPlanVersion.number.desc())
        .limit(1)
    )


def init_app(app) -> None:
    register_guard(app, Phase.FINAL_INTERVIEW, Phase.COMPLETED, final_interview_closed)
