"""Service-level tests of the independent assessment, and the helpers they share.

The helpers call a service the way a view does: a refused call raises ``DomainError`` and the
test then looks at what the service left behind *before* any rollback (``written``), so that
"nothing was written" means the service itself wrote nothing. ``next_request`` commits and
expires the identity map, as a new request would see the database.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evc.assessment.models import Assignment
from evc.audit import AuditEntry
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import OutboxMessage


def refusal(call, *args, **kwargs) -> str:
    """The Dutch message of the ``DomainError`` that ``call`` raises (no rollback yet)."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return str(caught.value.message)


def count(model, *where) -> int:
    """Rows of ``model`` as the session sees them (pending objects are flushed first)."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def written() -> dict[str, int]:
    """What a service call could have left behind: assignments, audit rows and mail."""
    return {
        "assignments": count(Assignment),
        "audit rows": count(AuditEntry),
        "mails": count(OutboxMessage),
    }


def mails_to(person) -> list[OutboxMessage]:
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient_id == person.id)
            .order_by(OutboxMessage.id)
        )
    )


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def next_request() -> None:
    """Commit, and read everything afresh as the next request would."""
    db.session.commit()
    db.session.expire_all()
