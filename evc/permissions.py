"""THE permission table. Every route declares its rule; ``tests`` fail on a route without one.

Predicates are small functions ``(user, obj) -> bool`` combined with ``&``, ``|`` and ``~``.
Views declare the rule they enforce with ``evc.web.permission`` (which loads the object and
checks the rule on it); templates call ``can`` to show or hide an action.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from evc.accounts.models import Organisation, Role
from evc.assessment.models import OPEN_STATUSES, AssessmentReport, Assignment, AssignmentStatus
from evc.extensions import db
from evc.procedure.phases import Phase


class Predicate:
    def __init__(self, func: Callable, name: str | None = None):
        self.func = func
        self.name = name or func.__name__

    def __call__(self, user, obj=None) -> bool:
        return bool(self.func(user, obj))

    def __and__(self, other: Predicate) -> Predicate:
        return Predicate(lambda u, o: self(u, o) and other(u, o), f"({self.name} & {other.name})")

    def __or__(self, other: Predicate) -> Predicate:
        return Predicate(lambda u, o: self(u, o) or other(u, o), f"({self.name} | {other.name})")

    def __invert__(self) -> Predicate:
        return Predicate(lambda u, o: not self(u, o), f"~{self.name}")

    def __repr__(self) -> str:
        return self.name


def predicate(func: Callable) -> Predicate:
    return Predicate(func)


# --- predicates -----------------------------------------------------------------------------


@predicate
def is_authenticated(user, _obj) -> bool:
    """Logged in with an active account."""
    return bool(user and user.is_authenticated)


@predicate
def is_site_admin(user, _obj) -> bool:
    """The site administrator flag (manages organisations, not portfolios)."""
    return is_authenticated(user) and user.is_site_admin


@predicate
def is_coordinator_anywhere(user, _obj) -> bool:
    """Coordinator in at least one organisation."""
    return is_authenticated(user) and user.has_role(Role.COORDINATOR)


@predicate
def coordinates_organisation(user, obj) -> bool:
    """Coordinator of ``obj`` (an Organisation)."""
    return (
        is_authenticated(user)
        and isinstance(obj, Organisation)
        and Role.COORDINATOR in user.roles_in(obj.id)
    )


@predicate
def outbox_readable(_user, _obj) -> bool:
    """The outbox is shown in the app only while no SMTP server delivers the mail."""
    return not current_app.config.get("SMTP_HOST")


@predicate
def is_supervisor_anywhere(user, _obj) -> bool:
    """Supervisor in at least one organisation."""
    return is_authenticated(user) and user.has_role(Role.SUPERVISOR)


@predicate
def is_trajectory_volunteer(user, trajectory) -> bool:
    """The volunteer whose trajectory it is."""
    return is_authenticated(user) and trajectory.volunteer_id == user.id


@predicate
def is_trajectory_supervisor(user, trajectory) -> bool:
    """The assigned supervisor, while they still hold the supervisor role in that organisation."""
    return (
        is_authenticated(user)
        and trajectory.supervisor_id == user.id
        and Role.SUPERVISOR in user.roles_in(trajectory.organisation_id)
    )


@predicate
def coordinates_trajectory(user, trajectory) -> bool:
    """Coordinator of the organisation the trajectory belongs to."""
    return is_authenticated(user) and Role.COORDINATOR in user.roles_in(trajectory.organisation_id)


def phase_is(*phases) -> Predicate:
    """The trajectory is in one of ``phases``."""
    names = "|".join(p.value for p in phases)
    return Predicate(lambda _u, trajectory: trajectory.phase in phases, f"phase_is({names})")


@predicate
def trajectory_is_active(_user, trajectory) -> bool:
    """Not completed and not withdrawn."""
    return trajectory.is_active


def of_item(rule: Predicate) -> Predicate:
    """Apply a trajectory predicate to the trajectory an evidence item belongs to."""
    return Predicate(lambda user, item: rule(user, item.trajectory), f"of_item({rule.name})")


# --- participation ----------------------------------------------------------------------------


@predicate
def is_client_anywhere(user, _obj) -> bool:
    """A Participatiewet client (deelnemer) in at least one organisation."""
    return is_authenticated(user) and user.has_role(Role.CLIENT)


@predicate
def is_agreement_client(user, agreement) -> bool:
    """The client of this participation agreement."""
    return is_authenticated(user) and agreement.client_id == user.id


@predicate
def is_agreement_host_contact(user, agreement) -> bool:
    """The host's contact person of this agreement, while a supervisor at the host."""
    return (
        is_authenticated(user)
        and agreement.host_contact_id == user.id
        and Role.SUPERVISOR in user.roles_in(agreement.host_organisation_id)
    )


@predicate
def coordinates_agreement(user, agreement) -> bool:
    """Coordinator of the organisation that made the agreement."""
    return is_authenticated(user) and Role.COORDINATOR in user.roles_in(agreement.organisation_id)


def of_agreement(rule: Predicate) -> Predicate:
    """Apply an agreement predicate to the agreement of an hours entry or a report."""
    return Predicate(lambda user, obj: rule(user, obj.agreement), f"of_agreement({rule.name})")


@predicate
def is_case_manager_anywhere(user, _obj) -> bool:
    """A klantmanager of at least one municipality."""
    return is_authenticated(user) and user.has_role(Role.CASE_MANAGER)


@predicate
def is_report_case_manager(user, report) -> bool:
    """A klantmanager of the municipality the report was made for, while the organisation that
    made the agreement shares its reports with klantmanagers."""
    from evc.participation.services import shared_with_case_managers

    return (
        is_authenticated(user)
        and Role.CASE_MANAGER in user.roles_in(report.municipality_id)
        and shared_with_case_managers(report.agreement)
    )


@predicate
def entry_is_pending(_user, entry) -> bool:
    """The hours wait for the host contact's decision."""
    from evc.participation.models import EntryStatus

    return entry.status == EntryStatus.PENDING


@predicate
def entry_is_approved(_user, entry) -> bool:
    """The host contact approved the hours: they are final."""
    from evc.participation.models import EntryStatus

    return entry.status == EntryStatus.APPROVED


@predicate
def report_is_revoked(_user, report) -> bool:
    """The participation report was revoked (it stays as it was, marked)."""
    return report.is_revoked


# --- assessment -------------------------------------------------------------------------------


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


def of_assignment(rule: Predicate) -> Predicate:
    """Apply a trajectory predicate to the trajectory of an assignment."""
    return Predicate(lambda user, a: rule(user, a.trajectory), f"of_assignment({rule.name})")


@predicate
def is_working_assessor(user, trajectory) -> bool:
    """An assessor who declared independence and is assessing this trajectory right now."""

    if not (is_assessor_anywhere(user) and trajectory.phase == Phase.ASSESSMENT):
        return False
    return (
        db.session.scalar(
            select(Assignment.id).where(
                Assignment.trajectory_id == trajectory.id,
                Assignment.assessor_id == user.id,
                Assignment.status.in_((AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED)),
            )
        )
        is not None
    )


@predicate
def is_reporting_assessor(user, trajectory) -> bool:
    """An assessor whose report on this trajectory is final (read-only access to it)."""

    return is_assessor_anywhere(user) and (
        db.session.scalar(
            select(Assignment.id).where(
                Assignment.trajectory_id == trajectory.id,
                Assignment.assessor_id == user.id,
                Assignment.status == AssignmentStatus.FINALISED,
            )
        )
        is not None
    )


@predicate
def report_is_final(_user, trajectory) -> bool:

    return (
        db.session.scalar(
            select(AssessmentReport.finalised_at).where(
                AssessmentReport.trajectory_id == trajectory.id
            )
        )
        is not None
    )


# --- care-task protocols: objects carry ``organisation_id`` (or are the Organisation) ---------


def _organisation_id(obj) -> int | None:
    return obj.id if isinstance(obj, Organisation) else getattr(obj, "organisation_id", None)


def has_role_in(role: Role) -> Predicate:
    """Holds ``role`` in the organisation of ``obj`` (an Organisation, protocol or clearance)."""
    return Predicate(
        lambda user, obj: is_authenticated(user) and role in user.roles_in(_organisation_id(obj)),
        f"has_role_in({role.value})",
    )


volunteers_in = has_role_in(Role.VOLUNTEER)
instructs_in = has_role_in(Role.INSTRUCTOR)
coordinates_in = has_role_in(Role.COORDINATOR)


@predicate
def works_with_clearances(user, _obj) -> bool:
    """Volunteer, instructor or coordinator somewhere: has a clearances page."""
    return is_authenticated(user) and any(
        user.has_role(role) for role in (Role.VOLUNTEER, Role.INSTRUCTOR, Role.COORDINATOR)
    )


@predicate
def is_clearance_volunteer(user, clearance) -> bool:
    """The volunteer the clearance is for."""
    return is_authenticated(user) and clearance.volunteer_id == user.id


@predicate
def clearance_is_open(_user, clearance) -> bool:
    """Not revoked (in progress or granted)."""
    return clearance.status != "revoked"


@predicate
def clearance_is_granted(_user, clearance) -> bool:
    return clearance.status == "granted"


# --- certificates ----------------------------------------------------------------------------


def of_certificate(rule: Predicate) -> Predicate:
    """Apply a trajectory predicate to the trajectory a certificate was issued for."""
    return Predicate(lambda user, c: rule(user, c.trajectory), f"of_certificate({rule.name})")


# --- the table ------------------------------------------------------------------------------

RULES: dict[str, Predicate] = {
    "dashboard.view": is_authenticated,
    "framework.view": is_authenticated,
    "account.manage_own": is_authenticated,
    "organisation.manage_members": coordinates_organisation | is_site_admin,
    "organisation.view_audit": coordinates_organisation | is_site_admin,
    "outbox.view": (is_coordinator_anywhere | is_site_admin) & outbox_readable,
    "admin.manage_organisations": is_site_admin,
    # Care-task protocols
    "clearance.home": works_with_clearances,
    "protocol.view": volunteers_in | instructs_in | coordinates_in,
    "protocol.manage": coordinates_in,
    "clearance.overview": instructs_in | coordinates_in,
    "clearance.start": instructs_in | coordinates_in,
    "clearance.view": is_clearance_volunteer | instructs_in | coordinates_in,
    "clearance.acknowledge": is_clearance_volunteer & clearance_is_open,
    "clearance.instruct": instructs_in & ~is_clearance_volunteer & clearance_is_open,
    "clearance.revoke": (instructs_in | coordinates_in)
    & ~is_clearance_volunteer
    & clearance_is_open,
    "clearance.add_to_portfolio": is_clearance_volunteer & clearance_is_granted,
    "vog.manage": instructs_in | coordinates_in,
    "instructor.authorise": coordinates_in,
    "api_token.manage": coordinates_in,
    # EVC-A trajectory
    "trajectory.start": coordinates_organisation,
    "trajectory.list_organisation": coordinates_organisation,
    "trajectory.list_supervised": is_supervisor_anywhere,
    "trajectory.view": is_trajectory_volunteer | is_trajectory_supervisor | coordinates_trajectory,
    "intake.record": is_trajectory_supervisor & phase_is(Phase.INTAKE),
    "intake.confirm": is_trajectory_volunteer & phase_is(Phase.INTAKE),
    "guidance.log": is_trajectory_supervisor & phase_is(Phase.INTAKE, Phase.RECOGNITION),
    "guidance.view_private_notes": is_trajectory_supervisor,
    "group_meeting.log": is_supervisor_anywhere,
    "competencies.choose": is_trajectory_volunteer & phase_is(Phase.RECOGNITION),
    "self_assessment.edit": (is_trajectory_volunteer | is_trajectory_supervisor)
    & phase_is(Phase.RECOGNITION),
    "trajectory.submit": (is_trajectory_volunteer | is_trajectory_supervisor)
    & phase_is(Phase.RECOGNITION),
    "trajectory.withdraw": (is_trajectory_supervisor | coordinates_trajectory)
    & trajectory_is_active,
    # Portfolio (evidence); the assessor is added with the assessment
    "portfolio.add": is_trajectory_volunteer & phase_is(Phase.INTAKE, Phase.RECOGNITION),
    "portfolio.access_log": is_trajectory_volunteer,
    "evidence.view": of_item(
        is_trajectory_volunteer
        | is_trajectory_supervisor
        | coordinates_trajectory
        | is_working_assessor
    ),
    "evidence.edit": of_item(is_trajectory_volunteer & phase_is(Phase.INTAKE, Phase.RECOGNITION)),
    "evidence.comment": of_item(is_trajectory_volunteer | is_trajectory_supervisor),
    # Participation (Participatiewet): the host sees activity and hours only
    "participation.own": is_client_anywhere,
    "participation.verify_queue": is_supervisor_anywhere,
    "participation.manage": coordinates_organisation,
    "agreement.view": is_agreement_client | is_agreement_host_contact | coordinates_agreement,
    # The client reference, municipality, regime, exemption reasons and reports.
    "agreement.view_private": is_agreement_client | coordinates_agreement,
    "agreement.edit": coordinates_agreement,
    "hours.log": is_agreement_client,
    "hours.edit": of_agreement(is_agreement_client),
    "hours.edit_open": of_agreement(is_agreement_client) & ~entry_is_approved,
    "hours.verify": of_agreement(is_agreement_host_contact) & entry_is_pending,
    "hours.verify_week": is_agreement_host_contact,
    "participation_report.issue": coordinates_agreement,
    "participation_report.revoke": of_agreement(coordinates_agreement),
    "participation_report.revoke_valid": of_agreement(coordinates_agreement) & ~report_is_revoked,
    "participation_report.view": (
        of_agreement(is_agreement_client | coordinates_agreement) | is_report_case_manager
    ),
    # Klantmanagers: the reports of their municipality's clients, nothing else of the agreement.
    "participation.case_manager": is_case_manager_anywhere,
    "participation.to_portfolio": is_agreement_client,
    # Independent assessment
    "organisation.settings": coordinates_organisation,
    "assessment.queue": is_assessor_anywhere,
    "assessment.overview": coordinates_organisation,
    "assessment.assign": coordinates_trajectory & phase_is(Phase.ASSESSMENT),
    "assignment.withdraw": of_assignment(coordinates_trajectory)
    & assignment_status_is(*OPEN_STATUSES),
    "assignment.declare": is_assignment_assessor & assignment_status_is(AssignmentStatus.ASSIGNED),
    # Reading the portfolio: only from the declaration on and while the assessment runs.
    "assignment.work": is_assignment_assessor
    & assignment_status_is(AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED)
    & of_assignment(phase_is(Phase.ASSESSMENT)),
    # The assessor's own pages: open ones, and their report after it is final (read-only).
    "assignment.view": is_assignment_assessor
    & assignment_status_is(*OPEN_STATUSES, AssignmentStatus.FINALISED),
    "assignment.correct": is_assignment_assessor
    & assignment_status_is(AssignmentStatus.FINALISED)
    & of_assignment(phase_is(Phase.FINAL_INTERVIEW))
    & is_first_assessor,
    # Giving the assignment back: before the declaration, or during the work.
    "assignment.decline": is_assignment_assessor
    & assignment_status_is(AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE),
    # Step 1 (is the portfolio complete?) while the own judgements are still open.
    "assignment.check": is_assignment_assessor
    & assignment_status_is(AssignmentStatus.ACTIVE)
    & of_assignment(phase_is(Phase.ASSESSMENT)),
    "assignment.write_report": is_assignment_assessor
    & assignment_status_is(AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED)
    & of_assignment(phase_is(Phase.ASSESSMENT))
    & is_first_assessor,
    "assessment.report_view": (
        is_trajectory_volunteer
        | is_trajectory_supervisor
        | coordinates_trajectory
        | is_reporting_assessor
    )
    & report_is_final,
    # Certificates: final interview, development plan, the certificate and its revocation
    "final_interview.record": is_trajectory_supervisor & phase_is(Phase.FINAL_INTERVIEW),
    "development_plan.edit": is_trajectory_supervisor
    & phase_is(Phase.FINAL_INTERVIEW, Phase.COMPLETED),
    "development_plan.confirm": (is_trajectory_volunteer | is_trajectory_supervisor)
    & phase_is(Phase.FINAL_INTERVIEW, Phase.COMPLETED),
    "certificate.issue": is_trajectory_supervisor & phase_is(Phase.FINAL_INTERVIEW),
    "certificate.download": of_certificate(
        is_trajectory_volunteer | is_trajectory_supervisor | coordinates_trajectory
    ),
    "certificate.badge": of_certificate(is_trajectory_volunteer),
    "certificate.revoke": of_certificate(coordinates_trajectory),
}


def can(rule: str, obj=None, user=None) -> bool:
    """May ``user`` (default: the current user) do ``rule`` on ``obj``?"""
    return RULES[rule](current_user if user is None else user, obj)
