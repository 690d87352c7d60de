"""Assigning assessors and their independence: the settings that govern it, who may assess
a trajectory, the assignment, its withdrawal and the assessor's declaration.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, select
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
from evc.db import utcnow
from evc.errors import DomainError, flush_or_refuse, flush_or_stale
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
from evc.procedure.services import log_on_trajectory
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

    def shares_organisation_with(self, assessor: User) -> bool:
        """Is ``assessor`` a member of the volunteer's organisation? The trajectory's
        organisation counts even when the volunteer no longer holds a role there."""
        own = self.volunteer_organisations | {self.organisation_id}
        return bool(own & assessor.organisation_ids())


def relations_of(trajectory: Trajectory) -> Relations:
    volunteer_id = trajectory.volunteer_id
    guided_by = _supervisors_of(volunteer_id)
    assignments = db.session.execute(
        select(Assignment.assessor_id, Assignment.status).where(
            Assignment.trajectory_id == trajectory.id
        )
    ).all()
    return Relations(
        volunteer_id=volunteer_id,
        organisation_id=trajectory.organisation_id,
        volunteer_organisations=_organisations_of(volunteer_id),
        guided_by=guided_by,
        declined={a for a, s in assignments if s == AssignmentStatus.DECLINED},
        open_assessors={a for a, s in assignments if s in OPEN_STATUSES},
    )


def _supervisors_of(volunteer_id: int) -> set[int]:
    """Who guides or guided the volunteer: the supervisor of any of their trajectories, of a
    guidance session with them, or of a group meeting they were on the list of."""
    own = select(Trajectory.id).where(Trajectory.volunteer_id == volunteer_id)
    guided = set(
        db.session.scalars(
            select(Trajectory.supervisor_id).where(Trajectory.volunteer_id == volunteer_id)
        )
    )
    sessions = select(GuidanceSession.supervisor_id).where(GuidanceSession.trajectory_id.in_(own))
    meetings = (
        select(GroupMeeting.supervisor_id)
        .join(GroupAttendance, GroupAttendance.meeting_id == GroupMeeting.id)
        .where(GroupAttendance.trajectory_id.in_(own))
    )
    for query in (sessions, meetings):
        guided.update(s for s in db.session.scalars(query) if s is not None)
    return guided


def _organisations_of(user_id: int) -> set[int]:
    return set(
        db.session.scalars(select(Membership.organisation_id).where(Membership.user_id == user_id))
    )


def independence_problems(
    assessor: User,
    relations: Relations,
    settings: OrganisationSettings,
    justification: str = "",
) -> list[str]:
    """Why ``assessor`` may not assess this volunteer; empty when they may."""
    if assessor.id == relations.volunteer_id:
        return [_("Een vrijwilliger kan zijn eigen portfolio niet beoordelen.")]
    problems = _account_problems(assessor) + _relation_problems(assessor, relations)
    if relations.shares_organisation_with(assessor):
        problems += _internal_problems(assessor, settings, justification)
    return problems


def _account_problems(assessor: User) -> list[str]:
    name = assessor.display_name
    problems = []
    if not assessor.is_active_account:
        problems.append(_("Het account van %(name)s is geblokkeerd.", name=name))
    if not assessor.has_role(Role.ASSESSOR):
        problems.append(_("%(name)s is geen beoordelaar.", name=name))
    return problems


def _relation_problems(assessor: User, relations: Relations) -> list[str]:
    """What ties the assessor to this volunteer or this portfolio already."""
    name = assessor.display_name
    problems = []
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
    return problems


def _internal_problems(
    assessor: User, settings: OrganisationSettings, justification: str
) -> list[str]:
    """An assessor from the volunteer's own organisation: if allowed, and explained."""
    name = assessor.display_name
    if not settings.allow_internal_assessor:
        message = _(
            "%(name)s hoort bij dezelfde organisatie als de vrijwilliger. Kies een "
            "beoordelaar van buiten de organisatie.",
            name=name,
        )
        return [message]
    if len((justification or "").strip()) < MIN_JUSTIFICATION:
        message = _(
            "%(name)s hoort bij dezelfde organisatie als de vrijwilliger. Leg uit waarom "
            "dat hier toch kan (minstens %(min)d tekens). Die uitleg komt in het rapport.",
            name=name,
            min=MIN_JUSTIFICATION,
        )
        return [message]
    return []


def candidate_assessors(trajectory: Trajectory) -> list[User]:
    """People the coordinator can choose from: assessors of assessment pools, and of the
    volunteer's own organisation when the setting allows that."""
    query = _active_assessors().where(_pools_for(trajectory))
    return list(db.session.scalars(query).unique())


def _active_assessors() -> Select[User]:
    """Active accounts with the assessor role in an active organisation, by name."""
    return (
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


def _pools_for(trajectory: Trajectory) -> ColumnElement[bool]:
    """The organisations whose assessors may assess ``trajectory``."""
    pools = Organisation.kind.in_([OrganisationKind.ASSESSMENT])
    if settings_of(trajectory.organisation_id).allow_internal_assessor:
        return pools | (Organisation.id == trajectory.organisation_id)
    return pools


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
    position = _next_position(trajectory)
    relations = relations_of(trajectory)
    _check_independent(assessor, relations, justification)
    internal = relations.shares_organisation_with(assessor)
    explained = justification.strip() if internal else None
    assignment = _new_assignment(trajectory, assessor, position, explained, actor=actor)
    details = {"assessor_id": assessor.id, "position": position, "internal": internal}
    log_on_trajectory(trajectory, "assessment.assigned", actor=actor, **details)
    notify(
        assessor,
        "email/assessment_assigned.txt",
        lambda: _("Er is een portfolio voor je om te beoordelen"),
        assignment,
        link=absolute_url("assessment.declare", assignment_id=assignment.id),
    )
    return assignment


def _next_position(trajectory: Trajectory) -> int:
    """The position the new assessor takes: only after submission, while one is needed."""
    if trajectory.phase != Phase.ASSESSMENT:
        raise DomainError(_("Een beoordelaar wijs je toe nadat het portfolio is ingediend."))
    positions = needed_positions(trajectory)
    if not positions:
        raise DomainError(_("Dit portfolio heeft al genoeg beoordelaars."))
    return positions[0]


def _check_independent(assessor: User, relations: Relations, justification: str) -> None:
    settings = settings_of(relations.organisation_id)
    problems = independence_problems(assessor, relations, settings, justification)
    if problems:
        raise DomainError(" ".join(problems), field="assessor")


def _new_assignment(
    trajectory: Trajectory, assessor: User, position: int, justification: str | None, *, actor: User
) -> Assignment:
    """The assignment, stored unless someone took the same position at the same moment."""
    assignment = Assignment(
        trajectory_id=trajectory.id,
        assessor_id=assessor.id,
        position=position,
        status=AssignmentStatus.ASSIGNED,
        pseudonym=_new_pseudonym(),
        assigned_by_id=actor.id,
        internal_justification=justification,
    )
    assignment.assessor = assessor
    assignment.trajectory = trajectory
    db.session.add(assignment)
    flush_or_refuse(DomainError(_("Intussen is al een beoordelaar toegewezen.")))
    return assignment


def _new_pseudonym() -> str:
    return "K-" + "".join(secrets.choice(PSEUDONYM_ALPHABET) for _ in range(5))


def withdraw_assignment(assignment: Assignment, reason: str, *, actor: User) -> None:
    """The coordinator takes an assignment back (e.g. the assessor does not respond)."""
    _check_withdrawable(assignment, reason)
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.decline_reason = reason.strip()
    flush_or_stale()
    assessor_id = assignment.assessor_id
    log_on_trajectory(
        assignment.trajectory,
        "assessment.assignment_withdrawn",
        actor=actor,
        assessor_id=assessor_id,
    )
    notify(
        assignment.assessor,
        "email/assessment_withdrawn.txt",
        lambda: _("Een beoordeling is niet meer aan jou toegewezen"),
        assignment,
        link=absolute_url("assessment.queue"),
    )


def _check_withdrawable(assignment: Assignment, reason: str) -> None:
    if not assignment.is_open:
        raise DomainError(_("Deze toewijzing loopt niet meer."))
    if not (reason or "").strip():
        raise DomainError(_("Geef een reden op."), field="reason")


# --- declaring ------------------------------------------------------------------------------


def declare_independent(assignment: Assignment, *, actor: User) -> None:
    """The assessor declares they do not know the volunteer personally."""
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise DomainError(_("Je hebt je verklaring al gegeven."))
    assignment.declared_at = utcnow()
    assignment.status = AssignmentStatus.ACTIVE
    flush_or_stale()
    log_on_trajectory(assignment.trajectory, "assessment.declared_independent", actor=actor)


def decline(assignment: Assignment, reason: str, *, actor: User) -> None:
    """The assessor knows the volunteer (or finds another conflict): the coordinators are asked
    to assign someone else. What the assessor wrote before is kept but no longer used."""
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE):
        raise DomainError(_("Je kunt deze beoordeling niet meer teruggeven."))
    assignment.status = AssignmentStatus.DECLINED
    assignment.declined_at = utcnow()
    assignment.decline_reason = (reason or "").strip() or None
    flush_or_stale()
    assessor_id = assignment.assessor_id
    log_on_trajectory(
        assignment.trajectory, "assessment.declined", actor=actor, assessor_id=assessor_id
    )
    _ask_coordinators_for_another(assignment)


def _ask_coordinators_for_another(assignment: Assignment) -> None:
    trajectory = assignment.trajectory
    for coordinator in coordinators_of(trajectory.organisation_id):
        notify(
            coordinator,
            "email/assessment_declined.txt",
            lambda: _("Wijs een andere beoordelaar toe"),
            assignment,
            link=absolute_url("assessment.assign", trajectory_id=trajectory.id),
        )
