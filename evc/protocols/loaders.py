"""How URLs name protocols and clearances (organisations load through ``ORGANISATION``).

Nobody is told what exists: a protocol or clearance a person may not act on is a 404, as it
always was here, so these loaders have no ``seen`` rule and no way back."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from evc.protocols.models import Clearance, TaskProtocol
from evc.web import Loader

PROTOCOL = Loader(TaskProtocol, "protocol_id", options=(joinedload(TaskProtocol.organisation),))

CLEARANCE = Loader(
    Clearance,
    "clearance_id",
    options=(joinedload(Clearance.volunteer), joinedload(Clearance.protocol)),
)
