"""Who may assign, assess and read the assessment report."""

from __future__ import annotations

from sqlalchemy import select

from evc.accounts.models import Role
from evc.assessment.models import OPEN_STATUSES, Assignment, AssignmentStatus
from evc.assessment.services.common import has_final_report
from evc.extensions import db
from evc.permissions import (
    Predicate,
    coordinates_organisation,
    declare,
    is_authenticated,
    on,
    predicate,
    widen,
)
from evc.portfolio import rules as _portfolio_rules  # noqa: F401  (declares evidence.view)
from evc.procedure.phases import Phase
from evc.procedure.rules import (
    coordinates_trajectory,
    is_trajectory_supervisor,
    is_trajectory_volunteer,
    phase_is,
)

ASSESSING = (AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED)


@predicate
def is_assessor_anywhere(user, _obj) -> bool:
    """Assessor in at least one organisation (an assessment pool, usually)."""
    return is_authenticated(user) and user.has_role(Role.ASSESSOR)


@predicate
def is_assignment_assessor(user, assignment) -> bool:
    """The assessor of this assignment, while they still hold an assessor role."""
    return (
        is_authenticated(user)
        and assignment.assessor_id == user.id
        and user.has_role(Role.ASSESSOR)
    )


def assignment_status_is(*statuses) -> Predicate:
    names = "|".join(s.value for s in statuses)
    return Predicate(lambda _u, a: a.status in statuses, f"assignment_status_is({names})")


@predicate
def is_first_assessor(_user, assignment) -> bool:
    """The first (lead) assessor of a trajectory: writes the report and corrects it."""
    return assignment.position == 1


@predicate
def is_working_assessor(user, trajectory) -> bool:
    """An assessor who declared independence and is assessing this trajectory right now."""
    if not (is_assessor_anywhere(user) and trajectory.phase == Phase.ASSESSMENT):
        return False
    return _holds_assignment(user, trajectory, ASSESSING)


@predicate
def is_reporting_assessor(user, trajectory) -> bool:
    """An assessor whose report on this trajectory is final (read-only access to it)."""
    finalised = (AssignmentStatus.FINALISED,)
    return is_assessor_anywhere(user) and _holds_assignment(user, trajectory, finalised)


def _holds_assignment(user, trajectory, statuses) -> bool:
    """Whether ``user`` assesses ``trajectory`` in an assignment with one of ``statuses``."""
    query = select(Assignment.id).where(
        Assignment.trajectory_id == trajectory.id,
        Assignment.assessor_id == user.id,
        Assignment.status.in_(statuses),
    )
    return db.session.scalar(query) is not None


@predicate
def report_is_final(_user, trajectory) -> bool:
    """The assessor made the trajectory's report final."""
    return has_final_report(trajectory)


def assignment_in_phase(*phases) -> Predicate:
    """The trajectory of the assignment is in one of ``phases``."""
    return on("trajectory", phase_is(*phases))


declare(
    {
        "assessment.queue": is_assessor_anywhere,
        "assessment.overview": coordinates_organisation,
        "assessment.assign": coordinates_trajectory & phase_is(Phase.ASSESSMENT),
        "assignment.withdraw": on("trajectory", coordinates_trajectory)
        & assignment_status_is(*OPEN_STATUSES),
        "assignment.declare": is_assignment_assessor
        & assignment_status_is(AssignmentStatus.ASSIGNED),
        # Reading the portfolio: only from the declaration on and while the assessment runs.
        "assignment.work": is_assignment_assessor
        & assignment_status_is(*ASSESSING)
        & assignment_in_phase(Phase.ASSESSMENT),
        # The assessor's own pages: open ones, and their report after it is final (read-only).
        "assignment.view": is_assignment_assessor
        & assignment_status_is(*OPEN_STATUSES, AssignmentStatus.FINALISED),
        "assignment.correct": is_assignment_assessor
        & assignment_status_is(AssignmentStatus.FINALISED)
        & assignment_in_phase(Phase.FINAL_INTERVIEW)
        & is_first_assessor,
        # Giving the assignment back: before the declaration, or during the work.
        "assignment.decline": is_assignment_assessor
        & assignment_status_is(AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE),
        # Step 1 (is the portfolio complete?) while the own judgements are still open.
        "assignment.check": is_assignment_assessor
        & assignment_status_is(AssignmentStatus.ACTIVE)
        & assignment_in_phase(Phase.ASSESSMENT),
        "assignment.write_report": is_assignment_assessor
        & assignment_status_is(*ASSESSING)
        & assignment_in_phase(Phase.ASSESSMENT)
        & is_first_assessor,
        "assessment.report_view": (
            is_trajectory_volunteer
            | is_trajectory_supervisor
            | coordinates_trajectory
            | is_reporting_assessor
        )
        & report_is_final,
    }
)
widen("evidence.view", on("trajectory", is_working_assessor))
