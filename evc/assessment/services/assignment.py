"""Assigning assessors and their independence: the settings that govern it, who may assess
a trajectory, the assignment, its withdrawal and the assessor's declaration.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.assessment.models import (
    OPEN_STATUSES,
    Assignment,
    AssignmentStatus,
)
from evc.assessment.services.common import (
    MIN_JUSTIFICATION,
    coordinators_of,
    notify,
    open_assignments,
    report_of,
)
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, flush_or_stale
from evc.extensions import db
from evc.mail import absolute_url
from evc.procedure.models import (
    GroupAttendance,
    GroupMeeting,
    GuidanceSession,
    OrganisationSettings,
    Trajectory,
)
from evc.procedure.phases import Phase
from evc.procedure.settings import settings_of

PSEUDONYM_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# --- independence ----------------------------------------------------------------------------


@dataclass
class Relations:
    """Who is connected to the volunteer of one trajectory, loaded with a few queries."""

    volunteer_id: int
    organisation_id: int
    volunteer_organisations: set[int]
    guided_by: set[int]  # supervisors of any trajectory, guidance session or group meeting
    declined: set[int]  # assessors who declared they know the volunteer (this trajectory)
    open_assessors: set[int]  # assessors with an open assignment on this trajectory


def relations_of(trajectory: Trajectory) -> Relations:
    volunteer_id = trajectory.volunteer_id
    own_trajectories = select(Trajectory.id).where(Trajectory.volunteer_id == volunteer_id)
    guided = set(
        db.session.scalars(
            select(Trajectory.supervisor_id).where(Trajectory.volunteer_id == volunteer_id)
        )
    )
    guided |= set(
        db.session.scalars(
            select(GuidanceSession.supervisor_id).where(
                GuidanceSession.trajectory_id.in_(own_trajectories)
            )
        )
    )
    guided |= set(
        db.session.scalars(
            select(GroupMeeting.supervisor_id)
            .join(GroupAttendance, GroupAttendance.meeting_id == GroupMeeting.id)
            .where(GroupAttendance.trajectory_id.in_(own_trajectories))
        )
    )
    assignments = db.session.execute(
        select(Assignment.assessor_id, Assignment.status).where(
            Assignment.trajectory_id == trajectory.id
        )
    ).all()
    return Relations(
        volunteer_id=volunteer_id,
        organisation_id=trajectory.organisation_id,
        volunteer_organisations=set(
            db.session.scalars(
                select(Membership.organisation_id).where(Membership.user_id == volunteer_id)
            )
        ),
        guided_by=guided - {None},
        declined={a for a, s in assignments if s == AssignmentStatus.DECLINED},
        open_assessors={a for a, s in assignments if s in OPEN_STATUSES},
    )


def independence_problems(
    assessor: User,
    relations: Relations,
    settings: OrganisationSettings,
    justification: str = "",
) -> list[str]:
    """Why ``assessor`` may not assess this volunteer; empty when they may."""
    name = assessor.display_name
    if assessor.id == relations.volunteer_id:
        return [_("Een vrijwilliger kan zijn eigen portfolio niet beoordelen.")]
    problems = []
    if not assessor.is_active_account:
        problems.append(_("Het account van %(name)s is geblokkeerd.", name=name))
    if not assessor.has_role(Role.ASSESSOR):
        problems.append(_("%(name)s is geen beoordelaar.", name=name))
    if assessor.id in relations.guided_by:
        problems.append(
            _(
                "%(name)s is of was begeleider van deze vrijwilliger. Een begeleider mag niet "
                "beoordelen.",
                name=name,
            )
        )
    if assessor.id in relations.declined:
        problems.append(
            _("%(name)s heeft verklaard deze vrijwilliger persoonlijk te kennen.", name=name)
        )
    if assessor.id in relations.open_assessors:
        problems.append(_("%(name)s beoordeelt dit portfolio al.", name=name))
    # The trajectory's organisation counts even when the volunteer no longer holds a role there.
    own = relations.volunteer_organisations | {relations.organisation_id}
    shared = own & assessor.organisation_ids()
    if shared:
        if not settings.allow_internal_assessor:
            problems.append(
                _(
                    "%(name)s hoort bij dezelfde organisatie als de vrijwilliger. Kies een "
                    "beoordelaar van buiten de organisatie.",
                    name=name,
                )
            )
        elif len((justification or "").strip()) < MIN_JUSTIFICATION:
            problems.append(
                _(
                    "%(name)s hoort bij dezelfde organisatie als de vrijwilliger. Leg uit waarom "
                    "dat hier toch kan (minstens %(min)d tekens). Die uitleg komt in het rapport.",
                    name=name,
                    min=MIN_JUSTIFICATION,
                )
            )
    return problems


def candidate_assessors(trajectory: Trajectory) -> list[User]:
    """People the coordinator can choose from: assessors of assessment pools, and of the
    volunteer's own organisation when the setting allows that."""
    kinds = [OrganisationKind.ASSESSMENT]
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.role == Role.ASSESSOR,
            User.is_active_account.is_(True),
            Organisation.is_active.is_(True),
        )
        .options(selectinload(User.memberships))
        .order_by(User.display_name, User.id)
        .distinct()
    )
    if settings_of(trajectory.organisation_id).allow_internal_assessor:
        query = query.where(
            (Organisation.kind.in_(kinds)) | (Organisation.id == trajectory.organisation_id)
        )
    else:
        query = query.where(Organisation.kind.in_(kinds))
    return list(db.session.scalars(query).unique())


# --- assigning --------------------------------------------------------------------------------


def needed_positions(trajectory: Trajectory) -> list[int]:
    """Positions (1 = lead, 2 = second) that still need an assessor."""
    if trajectory.phase not in (Phase.ASSESSMENT, Phase.RECOGNITION):
        return []
    report = report_of(trajectory)
    if report is not None and report.finalised_at:
        return []
    taken = {a.position for a in open_assignments(trajectory)}
    wanted = [1, 2] if settings_of(trajectory.organisation_id).two_assessors else [1]
    return [p for p in wanted if p not in taken]


def assign_assessor(
    trajectory: Trajectory, assessor: User, *, actor: User, justification: str = ""
) -> Assignment:
    """Assign ``assessor`` to a submitted trajectory after checking their independence."""
    if trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Een beoordelaar wijs je toe nadat het portfolio is ingediend."))
    positions = needed_positions(trajectory)
    if not positions:
        raise DomainError(_("Dit portfolio heeft al genoeg beoordelaars."))
    settings = settings_of(trajectory.organisation_id)
    problems = independence_problems(assessor, relations_of(trajectory), settings, justification)
    if problems:
        raise DomainError(" ".join(problems), field="assessor")
    relations = relations_of(trajectory)
    own = relations.volunteer_organisations | {relations.organisation_id}
    internal = bool(own & assessor.organisation_ids())
    assignment = Assignment(
        trajectory_id=trajectory.id,
        assessor_id=assessor.id,
        position=positions[0],
        status=AssignmentStatus.ASSIGNED,
        pseudonym=_new_pseudonym(),
        assigned_by_id=actor.id,
        internal_justification=justification.strip() if internal else None,
    )
    assignment.assessor = assessor
    assignment.trajectory = trajectory
    db.session.add(assignment)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # someone assigned the same position at the same moment
        raise DomainError(_("Intussen is al een beoordelaar toegewezen.")) from error
    log_action(
        "assessment.assigned",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        assessor_id=assessor.id,
        position=assignment.position,
        internal=internal,
    )
    notify(
        assessor,
        "email/assessment_assigned.txt",
        lambda: _("Er is een portfolio voor je om te beoordelen"),
        assignment,
        link=absolute_url("assessment.declare", assignment_id=assignment.id),
    )
    return assignment


def _new_pseudonym() -> str:
    return "K-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(5))


def withdraw_assignment(assignment: Assignment, reason: str, *, actor: User) -> None:
    """The coordinator takes an assignment back (e.g. the assessor does not respond)."""
    if not assignment.is_open:
        raise DomainError(_("Deze toewijzing loopt niet meer."))
    if not (reason or "").strip():
        raise DomainError(_("Geef een reden op."), field="reason")
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.decline_reason = reason.strip()
    flush_or_stale()
    log_action(
        "assessment.assignment_withdrawn",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
        assessor_id=assignment.assessor_id,
    )
    notify(
        assignment.assessor,
        "email/assessment_withdrawn.txt",
        lambda: _("Een beoordeling is niet meer aan jou toegewezen"),
        assignment,
        link=absolute_url("assessment.queue"),
    )


# --- declaring ------------------------------------------------------------------------------


def declare_independent(assignment: Assignment, *, actor: User) -> None:
    """The assessor declares they do not know the volunteer personally."""
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise DomainError(_("Je hebt je verklaring al gegeven."))
    assignment.declared_at = utcnow()
    assignment.status = AssignmentStatus.ACTIVE
    flush_or_stale()
    log_action(
        "assessment.declared_independent",
        actor=actor,
        organisation_id=assignment.trajectory.organisation_id,
        obj=assignment.trajectory,
    )


def decline(assignment: Assignment, reason: str, *, actor: User) -> None:
    """The assessor knows the volunteer (or finds another conflict): the coordinators are asked
    to assign someone else. What the assessor wrote before is kept but no longer used."""
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE):
        raise DomainError(_("Je kunt deze beoordeling niet meer teruggeven."))
    assignment.status = AssignmentStatus.DECLINED
    assignment.declined_at = utcnow()
    assignment.decline_reason = (reason or "").strip() or None
    flush_or_stale()
    trajectory = assignment.trajectory
    log_action(
        "assessment.declined",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=trajectory,
        assessor_id=assignment.assessor_id,
    )
    for coordinator in coordinators_of(trajectory.organisation_id):
        notify(
            coordinator,
            "email/assessment_declined.txt",
            lambda: _("Wijs een andere beoordelaar toe"),
            assignment,
            link=absolute_url("assessment.assign", trajectory_id=trajectory.id),
        )
