"""Care-task clearances: the seed protocols in De Brug and Vera's clearances."""

from __future__ import annotations

from datetime import date, timedelta

from evc.accounts import services
from evc.accounts.models import Role
from evc.demo.common import person


def seed_protocols(organisation) -> None:
    """The seed protocols in De Brug; Bram also instructs (and may clear reserved acts). Vera
    holds one valid clearance, one that expires soon and one that has expired."""
    from evc.protocols import services as protocols
    from evc.protocols.loader import item_hash
    from evc.protocols.models import VogStatus
    from evc.protocols.services import Observation
    from evc.protocols.status import add_months

    find = person
    coordinator, bram, vera = (
        find("coordinator@example.org"),
        find("begeleider@example.org"),
        find("vrijwilliger@example.org"),
    )
    services.add_role(bram, organisation, Role.INSTRUCTOR, actor=coordinator)
    protocols.set_reserved_act_authorisation(organisation, bram, True, actor=coordinator)
    library = {p.key: p for p in protocols.import_library(organisation, actor=coordinator)}
    today = date.today()
    protocols.set_vog(
        organisation,
        vera,
        status=VogStatus.RECEIVED,
        requested_on=today - timedelta(days=430),
        issued_on=today - timedelta(days=420),
        expected_version_id=None,
        actor=coordinator,
    )
    for key, granted_on in (
        ("walking_support", today - timedelta(days=100)),
        ("wheelchair_transfer", add_months(today + timedelta(days=12), -24)),
        ("eating_and_drinking", add_months(today - timedelta(days=30), -12)),
    ):
        protocol = library[key]
        version = protocols.current_version(protocol)
        clearance = protocols.start_clearance(organisation, vera, protocol, actor=bram)
        protocols.acknowledge_knowledge(
            clearance, version, [item_hash(t) for t in version.know], actor=vera, on=granted_on
        )
        protocols.record_instruction(
            clearance,
            version,
            instructed_on=granted_on,
            observations={item_hash(t): Observation(True, granted_on, "") for t in version.skills},
            confirmed_resources={item_hash(t) for t in version.confirmable_resources},
            expected_version_id=None,
            actor=bram,
            on=granted_on,
        )
        protocols.grant_clearance(
            clearance,
            version,
            valid_until=add_months(granted_on, version.validity_months),
            client_reference="",
            expected_version_id=None,
            actor=bram,
            on=granted_on,
        )
