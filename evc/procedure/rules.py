"""Who may do what in a trajectory (the EVC-A procedure)."""

from __future__ import annotations

from evc.accounts.models import Role
from evc.permissions import (
    Predicate,
    coordinates_organisation,
    declare,
    is_authenticated,
    is_supervisor_anywhere,
    predicate,
)
from evc.procedure.phases import Phase


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


declare(
    {
        "organisation.settings": coordinates_organisation,
        "trajectory.start": coordinates_organisation,
        "trajectory.list_organisation": coordinates_organisation,
        "trajectory.list_supervised": is_supervisor_anywhere,
        "trajectory.view": is_trajectory_volunteer
        | is_trajectory_supervisor
        | coordinates_trajectory,
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
    }
)
