"""How URLs name trajectories. A person who may see the trajectory but not do something with
it right now is sent back to the trajectory page with the reason."""

from __future__ import annotations

from flask import url_for
from sqlalchemy.orm import joinedload

from evc.procedure.models import Trajectory
from evc.web import Loader


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
