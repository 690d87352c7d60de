"""Reads and helpers the parts of the assessment share: the limits, what the assessor
sees of the volunteer, the open assignments, the report and the mail.
"""

from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Membership, Role, User
from evc.assessment.models import (
    OPEN_STATUSES,
    AssessmentReport,
    Assignment,
    AssignmentStatus,
)
from evc.extensions import db
from evc.mail import queue_mail
from evc.procedure.models import (
    Trajectory,
)
from evc.procedure.settings import settings_of

MIN_JUSTIFICATION = 20
MIN_MOTIVATION = 10


def open_assignments(trajectory: Trajectory) -> list[Assignment]:
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.trajectory_id == trajectory.id, Assignment.status.in_(OPEN_STATUSES))
            .options(joinedload(Assignment.assessor))
            .order_by(Assignment.position)
        )
    )


def coordinators_of(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role == Role.COORDINATOR,
                User.is_active_account.is_(True),
            )
        )
    )


def report_of(trajectory: Trajectory) -> AssessmentReport | None:
    return db.session.scalar(
        select(AssessmentReport).where(AssessmentReport.trajectory_id == trajectory.id)
    )


def volunteer_label(assignment: Assignment) -> str:
    """What the assessor sees: the pseudonym when the organisation assesses blind, until the
    report is final."""
    trajectory = assignment.trajectory
    if (
        settings_of(trajectory.organisation_id).blind_assessment
        and assignment.status != AssignmentStatus.FINALISED
    ):
        return assignment.pseudonym
    return trajectory.volunteer.display_name


# --- mail ------------------------------------------------------------------------------------


def notify(user: User, template: str, subject, assignment: Assignment, **context) -> None:
    with force_locale(user.language):
        body = render_template(
            template,
            user=user,
            assignment=assignment,
            trajectory=assignment.trajectory,
            volunteer=volunteer_label(assignment)
            if user.id == assignment.assessor_id
            else assignment.trajectory.volunteer.display_name,
            **context,
        )
        queue_mail(user, str(subject()), body)
