"""How URLs name certificates. Who may see the trajectory but not act on its certificate is
sent back to the trajectory with the reason."""

from __future__ import annotations

from sqlalchemy.orm import joinedload

from evc.certificates.models import Certificate
from evc.procedure.loaders import trajectory_url
from evc.web import Loader

CERTIFICATE = Loader(
    Certificate,
    "certificate_id",
    options=(joinedload(Certificate.trajectory), joinedload(Certificate.organisation)),
)


def closing_url(trajectory) -> str:
    """The close of the trajectory: its final interview, plan and certificate."""
    return trajectory_url(trajectory) + "#closing"
