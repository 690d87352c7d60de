"""The close of EVC-A on the trajectory page: final interview, plan and certificate."""

from __future__ import annotations

from flask_login import current_user

from evc.certificates import issuing, services
from evc.framework import current_framework, page_language
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase


def trajectory_section(trajectory: Trajectory) -> dict | None:
    """The final interview, the plan and the certificate, from the final interview on."""
    if trajectory.phase not in (Phase.FINAL_INTERVIEW, Phase.COMPLETED):
        return None
    certificate = issuing.certificate_of(trajectory)
    if trajectory.phase == Phase.COMPLETED and certificate is None:
        return None  # completed before certificates existed
    plan = services.current_plan(trajectory)
    return {
        "template": "certificates/_trajectory_section.html",
        "interview": services.final_interview_of(trajectory),
        "plan": plan,
        "goals": _readable_goals(trajectory, plan),
        "certificate": certificate,
        "issue_problems": issuing.issue_problems(trajectory) if certificate is None else [],
        "is_volunteer": current_user.id == trajectory.volunteer_id,
        "is_supervisor": current_user.id == trajectory.supervisor_id,
    }


def _readable_goals(trajectory: Trajectory, plan) -> list:
    framework = current_framework(trajectory.framework_id)
    language = page_language()
    return [issuing.readable_goal(g, framework, language) for g in (plan.goals if plan else [])]
