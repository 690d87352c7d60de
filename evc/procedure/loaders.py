"""How URLs name trajectories. A person who may see the trajectory but not do something with
it right now is sent back to the trajectory page with the reason."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation
from evc.permissions import require
from evc.procedure.models import Trajectory
from evc.web import Loader, refuse


def trajectory_url(trajectory: Trajectory) -> str:
    return url_for("procedure.trajectory", trajectory_id=trajectory.id)


TRAJECTORY = Loader(
    Trajectory,
    "trajectory_id",
    options=(
        joinedload(Trajectory.volunteer),
        joinedload(Trajectory.supervisor),
        joinedload(Trajectory.organisation),
    ),
    seen="trajectory.view",
    back=trajectory_url,
)


# --- for screens of other domains that still load and check by hand -------------------------
# They call ``require`` (so the per-object check in tests sees the rule applied); they go once
# those screens declare their rules with ``evc.web.permission``.


def load_trajectory(trajectory_id: int) -> Trajectory:
    """A trajectory the current user may see (volunteer, supervisor, coordinator); else 404."""
    trajectory = TRAJECTORY.get(trajectory_id)
    require("trajectory.view", trajectory)
    return trajectory


def load_organisation(organisation_id: int, rule: str) -> Organisation:
    organisation = ORGANISATION.get(organisation_id)
    require(rule, organisation)
    return organisation


def refuse_on_trajectory(trajectory: Trajectory, message) -> Response:
    """The person may see the trajectory but not do this now (e.g. after submission)."""
    return refuse(message, trajectory_url(trajectory))
