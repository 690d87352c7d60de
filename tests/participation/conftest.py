"""Fixtures of the participation tests: Daan (a client of the volunteer centre), his host
organisation with its contact Hanna, and an agreement from September to December 2026.

Another client, Olga, works at another host with another contact: her data is there in every
test, so that "not shown" means something. The screens use the real clock: ``running`` and
``olga_running`` are agreements around the real today. Karim and Zoë are klantmanagers of
Gemeente Utrecht and Gemeente Zeist.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from evc.accounts.models import Role
from evc.participation.models import EntryStatus, Regime
from tests import factories

TODAY = date(2026, 11, 18)  # a Wednesday; the clock the tests freeze
REAL_TODAY = date.today()


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


# --- agreements around the real today (the screens use the real clock) ---------------------------


@pytest.fixture
def running(org, daan, hanna):
    """Daan's agreement around the real today (views use the real clock)."""
    return factories.agreement(
        org,
        client=daan,
        contact=hanna,
        starts_on=REAL_TODAY - timedelta(days=70),
        ends_on=REAL_TODAY + timedelta(days=60),
        regime=Regime.VOLUNTARY,
    )


@pytest.fixture
def olga_running(org, olga, otto):
    record = factories.agreement(
        org,
        client=olga,
        contact=otto,
        starts_on=REAL_TODAY - timedelta(days=70),
        ends_on=REAL_TODAY + timedelta(days=60),
        regime=Regime.VOLUNTARY,
        reference="OLGA-REF-777",
        municipality="Gemeente Zeist",
        activity="Sorteren van kleding",
    )
    factories.hours(record, REAL_TODAY - timedelta(days=1), 180, activity="GEHEIM-OLGA-WERK")
    return record


# --- klantmanagers and their municipalities -------------------------------------------------------


@pytest.fixture
def utrecht(app):
    return factories.municipality_org("Gemeente Utrecht")


@pytest.fixture
def zeist(app):
    return factories.municipality_org("Gemeente Zeist")


@pytest.fixture
def karim(utrecht):
    return factories.case_manager(utrecht, name="Karim Klantmanager", email="karim@utrecht.example")


@pytest.fixture
def zoe(zeist):
    return factories.case_manager(zeist, name="Zoë Zeist", email="zoe@zeist.example")


@pytest.fixture
def worked(agreement):
    """Daan's verified hours in October and November, with a note only the host should read."""
    factories.hours(agreement, date(2026, 10, 20), 240, status=EntryStatus.APPROVED)
    factories.hours(
        agreement, date(2026, 11, 3), 150, status=EntryStatus.APPROVED, note="Ik was er vroeg"
    )
    return agreement


@pytest.fixture
def daans_report(worked, coordinator, karim, zoe):
    from tests.participation.klantmanagers import issue

    return issue(worked, coordinator)


@pytest.fixture
def olgas_report(olga_agreement, coordinator, karim, zoe):
    from tests.participation.klantmanagers import issue

    return issue(olga_agreement, coordinator)
