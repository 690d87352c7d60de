"""Fixtures for care-task protocols: an instructor, the seed library taken over, clearances."""

from __future__ import annotations

from datetime import date

import pytest

from evc.accounts.models import Role
from evc.extensions import db
from evc.protocols import services
from evc.protocols.loader import item_hash
from evc.protocols.models import ReservedActAuthorisation, VogStatus
from evc.protocols.services import Observation
from evc.protocols.status import add_months
from tests import factories

DAY = date(2026, 3, 2)  # the frozen "today" of the service tests


@pytest.fixture
def instructor(org):
    return factories.user(
        Role.INSTRUCTOR, org=org, email="instructeur@test.example", name="Ingrid Instructeur"
    )


@pytest.fixture
def library(org, coordinator):
    added = services.import_library(org, actor=coordinator)
    db.session.commit()
    return {protocol.key: protocol for protocol in added}


def authorise_reserved(org, instructor):
    db.session.add(ReservedActAuthorisation(organisation_id=org.id, user_id=instructor.id))
    db.session.commit()


def vog(org, volunteer, coordinator, issued_on):
    services.set_vog(
        org,
        volunteer,
        status=VogStatus.RECEIVED,
        requested_on=None,
        issued_on=issued_on,
        expected_version_id=None,
        actor=coordinator,
        on=issued_on,
    )
    db.session.commit()


def prepared(org, volunteer, protocol, instructor, *, on=DAY, demonstrated=True):
    """A clearance with knowledge acknowledged, instruction, skills and resources recorded."""
    version = services.current_version(protocol)
    clearance = services.start_clearance(org, volunteer, protocol, actor=instructor)
    services.acknowledge_knowledge(
        clearance, version, [item_hash(t) for t in version.know], actor=volunteer, on=on
    )
    observe(clearance, version, instructor, on=on, demonstrated=demonstrated)
    db.session.commit()
    return clearance


def observe(clearance, version, instructor, *, on, demonstrated=True):
    services.record_instruction(
        clearance,
        version,
        instructed_on=on,
        observations={item_hash(t): Observation(demonstrated, on, "") for t in version.skills},
        confirmed_resources={item_hash(t) for t in version.confirmable_resources},
        expected_version_id=None,
        actor=instructor,
        on=on,
    )


def granted(org, volunteer, protocol, instructor, *, on=DAY, valid_until=None, client=""):
    clearance = prepared(org, volunteer, protocol, instructor, on=on)
    version = services.current_version(protocol)
    services.grant_clearance(
        clearance,
        version,
        valid_until=valid_until or add_months(on, version.validity_months),
        client_reference=client,
        expected_version_id=None,
        actor=instructor,
        on=on,
    )
    db.session.commit()
    return clearance
