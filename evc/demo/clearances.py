"""Care-task clearances: the seed protocols in De Brug and Vera's clearances."""

from __future__ import annotations

from datetime import date, timedelta

from evc.accounts import services
from evc.accounts.models import Organisation, Role, User
from evc.demo.common import person
from evc.protocols import services as protocols
from evc.protocols.loader import item_hash
from evc.protocols.models import Clearance, ProtocolVersion, TaskProtocol, VogStatus
from evc.protocols.services import Observation
from evc.protocols.status import add_months


def seed_protocols(organisation: Organisation) -> None:
    """The seed protocols in De Brug; Bram also instructs (and may clear reserved acts). Vera
    holds one valid clearance, one that expires soon and one that has expired."""
    coordinator, bram = person("coordinator@example.org"), person("begeleider@example.org")
    vera = person("vrijwilliger@example.org")
    services.add_role(bram, organisation, Role.INSTRUCTOR, actor=coordinator)
    protocols.set_reserved_act_authorisation(organisation, bram, True, actor=coordinator)
    library = {p.key: p for p in protocols.import_library(organisation, actor=coordinator)}
    today = date.today()
    _vog_received(organisation, vera, coordinator, today)
    for key, granted_on in _clearance_dates(today):
        _clear(organisation, vera, library[key], bram, granted_on)


def _clearance_dates(today: date) -> tuple[tuple[str, date], ...]:
    """Vera's clearances by protocol and the day they were granted: valid, expiring in twelve
    days, expired a month ago."""
    return (
        ("walking_support", today - timedelta(days=100)),
        ("wheelchair_transfer", add_months(today + timedelta(days=12), -24)),
        ("eating_and_drinking", add_months(today - timedelta(days=30), -12)),
    )


def _vog_received(organisation: Organisation, vera: User, coordinator: User, today: date) -> None:
    protocols.set_vog(
        organisation,
        vera,
        status=VogStatus.RECEIVED,
        requested_on=today - timedelta(days=430),
        issued_on=today - timedelta(days=420),
        expected_version_id=None,
        actor=coordinator,
    )


def _clear(
    organisation: Organisation, vera: User, protocol: TaskProtocol, bram: User, granted_on: date
) -> None:
    """Vera goes through one protocol on ``granted_on``: she acknowledges what to know, Bram
    instructs her and grants the clearance."""
    version = protocols.current_version(protocol)
    clearance = protocols.start_clearance(organisation, vera, protocol, actor=bram)
    protocols.acknowledge_knowledge(
        clearance, version, [item_hash(t) for t in version.know], actor=vera, on=granted_on
    )
    _instruct_every_skill(clearance, version, bram, granted_on)
    protocols.grant_clearance(
        clearance,
        version,
        valid_until=add_months(granted_on, version.validity_months),
        client_reference="",
        expected_version_id=None,
        actor=bram,
        on=granted_on,
    )


def _instruct_every_skill(
    clearance: Clearance, version: ProtocolVersion, bram: User, on: date
) -> None:
    """Bram instructs on ``on``, sees every skill done well and confirms every resource."""
    protocols.record_instruction(
        clearance,
        version,
        instructed_on=on,
        observations={item_hash(t): Observation(True, on, "") for t in version.skills},
        confirmed_resources={item_hash(t) for t in version.confirmable_resources},
        expected_version_id=None,
        actor=bram,
        on=on,
    )
