"""What every portfolio write shares: the phases in which the portfolio is open, marking the
trajectory as active, and the audit row on an item."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.portfolio.models import EvidenceItem
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase

EDITABLE_PHASES = (Phase.INTAKE, Phase.RECOGNITION)


def require_editable(trajectory: Trajectory) -> None:
    if trajectory.phase not in EDITABLE_PHASES:
        raise DomainError(
            _(
                "Het portfolio is ingediend. Je kunt het pas weer aanpassen als de beoordelaar "
                "het teruggeeft."
            )
        )


def touch(trajectory: Trajectory) -> None:
    trajectory.last_activity_at = utcnow()
    trajectory._progress = None


def log_on_item(item: EvidenceItem, action: str, *, actor: User | None, **details) -> None:
    """Write the audit row of ``action`` on ``item``, in its trajectory's organisation."""
    organisation_id = item.trajectory.organisation_id
    log_action(action, actor=actor, organisation_id=organisation_id, obj=item, **details)


def open_portfolios(user: User) -> list[Trajectory]:
    """The user's own trajectories whose portfolio is open now (intake or recognition), oldest
    first, with their organisation."""
    return list(
        db.session.scalars(
            select(Trajectory)
            .where(Trajectory.volunteer_id == user.id, Trajectory.phase.in_(EDITABLE_PHASES))
            .options(joinedload(Trajectory.organisation))
            .order_by(Trajectory.id)
        )
    )
