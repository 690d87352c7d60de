"""How URLs name evidence items. Who may see an item but not change it is sent back to the
trajectory with the reason."""

from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from evc.portfolio.models import EvidenceItem
from evc.procedure.loaders import trajectory_url
from evc.procedure.models import Trajectory
from evc.web import Loader

ITEM = Loader(
    EvidenceItem,
    "item_id",
    options=(
        joinedload(EvidenceItem.trajectory).joinedload(Trajectory.volunteer),
        selectinload(EvidenceItem.links),
    ),
    seen="evidence.view",
    back=lambda item: trajectory_url(item.trajectory),
)
