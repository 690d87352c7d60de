"""Starting a trajectory: one active trajectory per volunteer, with a supervisor of the same
organisation."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts.models import Membership, Organisation, Role, User
from evc.errors import DomainError, flush_or_refuse
from evc.extensions import db
from evc.framework import current_framework
from evc.procedure.models import Trajectory
from evc.procedure.phases import ACTIVE_PHASES, Phase
from evc.procedure.services.common import log_on_trajectory, notify


def start_trajectory(
    organisation: Organisation, *, volunteer: User, supervisor: User, actor: User
) -> Trajectory:
    """Start a trajectory for a volunteer of ``organisation`` with a supervisor of the same
    organisation. Refuses a second active trajectory and a volunteer as their own supervisor."""
    _check_people(organisation, volunteer, supervisor)
    trajectory = _new_trajectory(organisation, volunteer, supervisor, actor)
    people = {"volunteer_id": volunteer.id, "supervisor_id": supervisor.id}
    log_on_trajectory(trajectory, "trajectory.started", actor=actor, **people)
    _welcome(trajectory, volunteer, supervisor)
    return trajectory


def _welcome(trajectory: Trajectory, volunteer: User, supervisor: User) -> None:
    """Tell the volunteer their trajectory started, and the supervisor whom they guide."""
    notify(
        volunteer,
        "email/trajectory_started.txt",
        lambda: _("Je EVC-A-traject is gestart"),
        trajectory,
        supervisor=supervisor,
    )
    notify(
        supervisor,
        "email/trajectory_assigned.txt",
        lambda: _("Je begeleidt %(name)s in een EVC-A-traject", name=volunteer.display_name),
        trajectory,
    )


def _check_people(organisation: Organisation, volunteer: User, supervisor: User) -> None:
    if not _has_role(volunteer, organisation.id, Role.VOLUNTEER):
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."), field="volunteer")
    if not _has_role(supervisor, organisation.id, Role.SUPERVISOR):
        raise DomainError(_("Kies een begeleider van deze organisatie."), field="supervisor")
    if supervisor.id == volunteer.id:
        raise DomainError(
            _("Een vrijwilliger kan niet zijn eigen begeleider zijn."), field="supervisor"
        )
    if active_trajectory_of(volunteer) is not None:
        raise _already_active(volunteer)


def _new_trajectory(organisation, volunteer, supervisor, actor) -> Trajectory:
    framework = current_framework()
    trajectory = Trajectory(
        organisation_id=organisation.id,
        volunteer_id=volunteer.id,
        supervisor_id=supervisor.id,
        phase=Phase.INTAKE,
        framework_id=framework.id,
        framework_version=framework.version,
        started_by_id=actor.id,
    )
    db.session.add(trajectory)
    flush_or_refuse(_already_active(volunteer))  # a second request started one at that moment
    return trajectory


def _already_active(volunteer: User) -> DomainError:
    return DomainError(
        _("%(name)s heeft al een lopend traject.", name=volunteer.display_name),
        field="volunteer",
    )


def _has_role(user: User, organisation_id: int, role: Role) -> bool:
    found = db.session.scalar(
        select(Membership.id).where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation_id,
            Membership.role == role,
        )
    )
    return found is not None


def active_trajectory_of(volunteer: User) -> Trajectory | None:
    return db.session.scalar(
        select(Trajectory).where(
            Trajectory.volunteer_id == volunteer.id, Trajectory.phase.in_(ACTIVE_PHASES)
        )
    )
