"""What the assessment screens share: the names of the statuses and what every page about an
assignment shows."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _

from evc.assessment import services
from evc.assessment.forms import VERDICT_LABELS
from evc.assessment.models import Assignment, AssignmentStatus
from evc.framework import current_framework, page_language
from evc.procedure.models import Trajectory


def status_labels() -> dict:
    return {
        AssignmentStatus.ASSIGNED: _("wacht op verklaring"),
        AssignmentStatus.ACTIVE: _("bezig"),
        AssignmentStatus.JUDGED: _("klaar, wacht op de andere beoordelaar"),
        AssignmentStatus.FINALISED: _("rapport definitief"),
        AssignmentStatus.DECLINED: _("teruggegeven"),
        AssignmentStatus.WITHDRAWN: _("ingetrokken"),
    }


def assignment_context(assignment: Assignment) -> dict:
    trajectory = assignment.trajectory
    return {
        "assignment": assignment,
        "trajectory": trajectory,
        "volunteer": services.volunteer_label(assignment),
        "framework": current_framework(trajectory.framework_id),
        "language": page_language(),
        "verdict_labels": VERDICT_LABELS,
        "status_labels": status_labels(),
    }


def chosen_or_404(trajectory: Trajectory, competency_id: str) -> None:
    """A competency in the URL must be one the volunteer chose."""
    if competency_id not in trajectory.progress.chosen:
        abort(404)
