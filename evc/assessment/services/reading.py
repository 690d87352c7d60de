"""Reads the assessment's screens share: the assessor's queue, which organisations assess
blind, and the coordinator's overview of submitted portfolios."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Organisation, User
from evc.assessment.models import OPEN_STATUSES, AssessmentReport, Assignment, AssignmentStatus
from evc.extensions import db
from evc.procedure.models import OrganisationSettings, Trajectory
from evc.procedure.phases import Phase

SHOWN = (*OPEN_STATUSES, AssignmentStatus.FINALISED)
SUBMITTED_PHASES = (Phase.ASSESSMENT, Phase.RECOGNITION, Phase.FINAL_INTERVIEW, Phase.COMPLETED)

# --- the assessor's queue ----------------------------------------------------------------------


def queue_of(assessor: User) -> list[Assignment]:
    """The assessor's open and finished assignments: open ones first, the longest waiting on
    top. A trajectory stopped during the assessment needs nothing more from the assessor."""
    assignments = db.session.scalars(
        select(Assignment)
        .where(Assignment.assessor_id == assessor.id, Assignment.status.in_(SHOWN))
        .options(
            joinedload(Assignment.trajectory).joinedload(Trajectory.volunteer),
            joinedload(Assignment.trajectory).joinedload(Trajectory.organisation),
        )
        .order_by(Assignment.status == AssignmentStatus.FINALISED, Assignment.created_at)
    ).all()
    return [a for a in assignments if _still_wanted(a)]


def _still_wanted(assignment: Assignment) -> bool:
    finalised = assignment.status == AssignmentStatus.FINALISED
    return finalised or assignment.trajectory.phase != Phase.WITHDRAWN


def blind_organisations(organisation_ids: set[int]) -> set[int]:
    """Which of these organisations assess blind (the assessor sees a pseudonym)."""
    if not organisation_ids:
        return set()
    return set(
        db.session.scalars(
            select(OrganisationSettings.organisation_id).where(
                OrganisationSettings.organisation_id.in_(organisation_ids),
                OrganisationSettings.blind_assessment.is_(True),
            )
        )
    )


# --- the coordinator's overview ----------------------------------------------------------------


def submitted_of(organisation: Organisation) -> Sequence[Trajectory]:
    """The organisation's submitted portfolios, with the volunteer, the longest waiting first."""
    return db.session.scalars(
        select(Trajectory)
        .where(
            Trajectory.organisation_id == organisation.id,
            Trajectory.submitted_at.is_not(None),
            Trajectory.phase.in_(SUBMITTED_PHASES),
        )
        .options(joinedload(Trajectory.volunteer))
        .order_by(Trajectory.submitted_at)
    ).all()


def assignments_by_trajectory(ids: list[int]) -> dict[int, list[Assignment]]:
    """The open and finished assignments of these trajectories with their assessor, in order."""
    assignments: dict[int, list[Assignment]] = {}
    for assignment in db.session.scalars(
        select(Assignment)
        .where(Assignment.trajectory_id.in_(ids), Assignment.status.in_(SHOWN))
        .options(joinedload(Assignment.assessor))
        .order_by(Assignment.position)
    ):
        assignments.setdefault(assignment.trajectory_id, []).append(assignment)
    return assignments


def finalised_at(ids: list[int]) -> dict:
    """When each of these trajectories' reports was finalised (None while it is not)."""
    query = select(AssessmentReport.trajectory_id, AssessmentReport.finalised_at)
    return dict(db.session.execute(query.where(AssessmentReport.trajectory_id.in_(ids))).all())
