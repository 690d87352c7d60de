"""Fixtures of the participation tests: Daan (a client of the volunteer centre), his host
organisation with its contact Hanna, and an agreement from September to December 2026.

Another client, Olga, works at another host with another contact: her data is there in every
test, so that "not shown" means something.
"""

from __future__ import annotations

from datetime import date

import pytest

from evc.accounts.models import Role
from tests import factories

TODAY = date(2026, 11, 18)  # a Wednesday; the clock the tests freeze


@pytest.fixture
def host(app):
    return factories.host_organisation("Buurthuis De Schakel")


@pytest.fixture
def hanna(host):
    return factories.host_contact(host, name="Hanna Host", email="hanna@schakel.example")


@pytest.fixture
def daan(org):
    return factories.user(Role.CLIENT, org=org, name="Daan Deelnemer", email="daan@test.example")


@pytest.fixture
def agreement(org, daan, hanna):
    return factories.agreement(org, client=daan, contact=hanna)


@pytest.fixture
def other_host(app):
    return factories.host_organisation("Kringloop Oost")


@pytest.fixture
def otto(other_host):
    return factories.host_contact(other_host, name="Otto Ander", email="otto@kringloop.example")


@pytest.fixture
def olga(org):
    return factories.user(Role.CLIENT, org=org, name="Olga Overig", email="olga@test.example")


@pytest.fixture
def olga_agreement(org, olga, otto):
    """Another client's agreement, with data that must never show up for Daan or Hanna."""
    record = factories.agreement(
        org,
        client=olga,
        contact=otto,
        reference="OLGA-REF-777",
        municipality="Gemeente Zeist",
        activity="Sorteren van kleding",
    )
    factories.hours(record, date(2026, 11, 2), 180, activity="GEHEIM-OLGA-WERK")
    return record
