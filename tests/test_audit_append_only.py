"""Audit rows are append-only: the database refuses to change or delete one, whatever code asks."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from evc.audit import AuditEntry, log_action
from evc.extensions import db
from tests import factories

REFUSED = "audit rows are append-only"


@pytest.fixture
def entry(app, volunteer):
    log_action("test.happened", actor=volunteer, organisation_id=None, obj=volunteer, n=1)
    db.session.commit()
    return db.session.scalar(select(AuditEntry.id))


def _refused(statement) -> None:
    with pytest.raises(DBAPIError, match=REFUSED):
        db.session.execute(statement)
    db.session.rollback()


def _stored(entry_id: int):
    db.session.expire_all()
    return db.session.get(AuditEntry, entry_id)


def test_an_audit_row_cannot_be_changed_through_the_apps_connection(entry):
    _refused(update(AuditEntry).where(AuditEntry.id == entry).values(action="nothing.happened"))
    _refused(update(AuditEntry).values(details={}))
    row = _stored(entry)
    row.object_id = None  # the same through the ORM
    with pytest.raises(DBAPIError, match=REFUSED):
        db.session.commit()
    db.session.rollback()
    assert (_stored(entry).action, _stored(entry).details) == ("test.happened", {"n": 1})


def test_an_audit_row_cannot_be_deleted_through_the_apps_connection(entry):
    _refused(delete(AuditEntry).where(AuditEntry.id == entry))
    _refused(delete(AuditEntry))
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 1


def test_new_audit_rows_are_still_written(entry, volunteer):
    log_action("test.happened_again", actor=volunteer)
    db.session.commit()
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 2


def test_deleting_an_organisation_keeps_its_audit_rows_with_an_empty_link(app):
    organisation = factories.organisation("Weg")
    log_action("organisation.created", organisation_id=organisation.id, obj=organisation)
    db.session.commit()
    db.session.delete(organisation)  # ON DELETE SET NULL: the one change the rows allow
    db.session.commit()
    row = db.session.scalar(select(AuditEntry))
    assert (row.action, row.organisation_id, row.object_type) == (
        "organisation.created",
        None,
        "Organisation",
    )


def test_emptying_the_link_by_hand_is_refused_on_postgresql(entry, db_kind):
    if db_kind != "postgresql":
        pytest.skip("SQLite cannot tell a foreign-key action from a statement")
    _refused(update(AuditEntry).values(actor_id=None))
    assert _stored(entry).actor_id is not None
