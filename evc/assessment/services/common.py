"""Reads and helpers the parts of the assessment share: the limits, what the assessor
sees of the volunteer, the open assignments, the report and the mail.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Membership, Role, User
from evc.assessment.models import (
    OPEN_STATUSES,
    AssessmentReport,
    Assignment,
    AssignmentStatus,
    Verdict,
)
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url, mail_user
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


# --- what the assessor writes -------------------------------------------------------------------


def chosen_verdict(value: str | None) -> Verdict:
    """The verdict picked in the form; anything else is refused."""
    try:
        return Verdict(value or "")
    except ValueError:
        raise DomainError(_("Kies aangetoond of nog niet aangetoond."), field="verdict") from None


def long_enough(text: str | None, message: str, field: str) -> str:
    """``text`` without the spaces around it; refused with ``message`` when it is shorter than
    ``MIN_MOTIVATION``."""
    text = (text or "").strip()
    if len(text) < MIN_MOTIVATION:
        raise DomainError(message, field=field)
    return text


def written_motivation(data: dict) -> str:
    """Why the assessor comes to their verdict, long enough to follow."""
    message = _(
        "Schrijf waarom je tot dit oordeel komt (minstens %(min)d tekens).", min=MIN_MOTIVATION
    )
    return long_enough(data.get("motivation"), message, "motivation")


# --- mail ------------------------------------------------------------------------------------


def notify(user: User, template: str, subject, assignment: Assignment, **context) -> None:
    """Mail ``user`` about ``assignment``; an assessor reads the volunteer's label (a pseudonym
    in a blind assessment), everyone else the name."""
    trajectory = assignment.trajectory
    assessor = user.id == assignment.assessor_id
    volunteer = volunteer_label(assignment) if assessor else trajectory.volunteer.display_name
    mail_user(
        user,
        template,
        subject,
        organisation_id=trajectory.organisation_id,
        assignment=assignment,
        trajectory=trajectory,
        volunteer=volunteer,
        **context,
    )


def notify_volunteer_and_supervisor(
    assignment: Assignment, template: str, subject, *, link: str, **context
) -> None:
    """Mail the volunteer and their supervisor about ``assignment``."""
    trajectory = assignment.trajectory
    for person in (trajectory.volunteer, trajectory.supervisor):
        notify(person, template, subject, assignment, link=link, **context)


def report_link(trajectory: Trajectory) -> str:
    """The address of the trajectory's assessment report, for mail."""
    return absolute_url("assessment.report", trajectory_id=trajectory.id)
