"""How URLs name assignments. An assessor who may see their assignment but not do something
with it right now is sent back with the reason: to their workspace, or to the report once it
is final."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import joinedload

from evc.assessment.models import Assignment, AssignmentStatus
from evc.procedure.models import Trajectory
from evc.web import Loader


def workspace_url(assignment: Assignment) -> str:
    return url_for("assessment.workspace", assignment_id=assignment.id)


def report_url(trajectory: Trajectory) -> str:
    return url_for("assessment.report", trajectory_id=trajectory.id)


def _report_or_workspace(assignment: Assignment) -> str:
    if assignment.status == AssignmentStatus.FINALISED:
        return report_url(assignment.trajectory)
    return workspace_url(assignment)


_OPTIONS = (
    joinedload(Assignment.trajectory).joinedload(Trajectory.volunteer),
    joinedload(Assignment.trajectory).joinedload(Trajectory.organisation),
    joinedload(Assignment.assessor),
)

# The assessor's own assignment; refusals go back to the workspace.
ASSIGNMENT = Loader(
    Assignment, "assignment_id", options=_OPTIONS, seen="assignment.view", back=workspace_url
)

# Writing the report: once it is final, refusals go to the report itself.
REPORTING = Loader(
    Assignment,
    "assignment_id",
    options=_OPTIONS,
    seen="assignment.view",
    back=_report_or_workspace,
)

# A correction of the final report: refusals go to the report.
CORRECTING = Loader(
    Assignment,
    "assignment_id",
    options=_OPTIONS,
    seen="assignment.view",
    back=lambda assignment: report_url(assignment.trajectory),
)
