"""Fixtures of the assessment tests: Vera's submitted portfolio and a pool of assessors."""

from __future__ import annotations

import pytest

from evc.accounts.models import Role
from tests import factories


@pytest.fixture
def supervisor(org):
    return factories.user(
        Role.SUPERVISOR, org=org, name="Sam Begeleider", email="begeleider@test.example"
    )


@pytest.fixture
def pool(app):
    return factories.assessment_pool("Beoordelaarspool Noord")


@pytest.fixture
def anna(pool):
    """An independent assessor from the pool."""
    return factories.assessor(pool, name="Anna Beoordelaar", email="anna@pool.example")


@pytest.fixture
def bram(pool):
    """A second independent assessor from the same pool."""
    return factories.assessor(pool, name="Bram Beoordelaar", email="bram@pool.example")


@pytest.fixture
def submitted(org, volunteer, supervisor, coordinator, evidence):
    """Vera's portfolio, submitted: communicating and cooperating chosen, each with evidence."""
    return factories.submitted(
        org,
        "communicating",
        "cooperating",
        evidence=evidence,
        volunteer=volunteer,
        supervisor=supervisor,
    )
