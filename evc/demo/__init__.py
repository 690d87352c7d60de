"""Demo data for a newcomer: two organisations and one account per role. Never in production.

The accounts are made here; each part of the application is seeded by its own module
(trajectories, portfolios, assessments, clearances, participation)."""

from __future__ import annotations

import secrets
from typing import NamedTuple

import pyotp
from sqlalchemy import func, select

from evc.accounts import services
from evc.accounts.models import Organisation, OrganisationKind, Role, User
from evc.accounts.passwords import hash_password
from evc.accounts.second_factor.services import enrol_with_secret, second_factor_required
from evc.demo.clearances import seed_protocols
from evc.demo.common import add_account, person
from evc.demo.participation import (
    CASE_MANAGER,
    HOST_CONTACT,
    HOST_ORG,
    MUNICIPALITY,
    seed_participation,
)
from evc.demo.trajectories import seed_trajectories
from evc.extensions import db

__all__ = [
    "ASSESSMENT_ORG",
    "CASE_MANAGER",
    "DEMO_ACCOUNTS",
    "DemoLogin",
    "HOST_CONTACT",
    "HOST_ORG",
    "MUNICIPALITY",
    "VOLUNTEER_ORG",
    "database_is_empty",
    "generate_password",
    "seed_demo",
]

VOLUNTEER_ORG = "Vrijwilligerscentrum De Brug"
ASSESSMENT_ORG = "Beoordelaarspool Regio Midden"
DEMO_ORGANISATIONS = (
    (VOLUNTEER_ORG, OrganisationKind.VOLUNTEER),
    (ASSESSMENT_ORG, OrganisationKind.ASSESSMENT),
)

# (e-mail, display name, organisation, roles)
DEMO_ACCOUNTS = (
    ("coordinator@example.org", "Carla Coördinator", VOLUNTEER_ORG, (Role.COORDINATOR,)),
    ("begeleider@example.org", "Bram Begeleider", VOLUNTEER_ORG, (Role.SUPERVISOR,)),
    ("beoordelaar@example.org", "Bea Beoordelaar", ASSESSMENT_ORG, (Role.ASSESSOR,)),
    ("vrijwilliger@example.org", "Vera Vrijwilliger", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("deelnemer@example.org", "Daan Deelnemer", VOLUNTEER_ORG, (Role.CLIENT,)),
    ("ilse@example.org", "Ilse Jansen", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("ahmed@example.org", "Ahmed El Amrani", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("femke@example.org", "Femke Bakker", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("samira@example.org", "Samira Haddou", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("lotte@example.org", "Lotte de Boer", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
)


PASSWORD_WORDS = (
    "appel fiets molen tulp brug kaas polder duin gracht klomp haven zeil water toren boek licht"
).split()


def database_is_empty() -> bool:
    return db.count(select(func.count(User.id))) == 0


class DemoLogin(NamedTuple):
    """What the demo accounts share: the password, and the authenticator app's secret of the
    accounts that must log in with a code (coordinators, assessors, klantmanagers, …)."""

    password: str
    totp_secret: str
    with_code: frozenset[str] = frozenset()  # the e-mail addresses of those accounts


def seed_demo(password: str | None, totp_secret: str | None = None) -> DemoLogin:
    """Create the demo organisations and accounts; returns the password and secret they share
    (each made up when not given)."""
    password, secret = password or generate_password(), totp_secret or pyotp.random_base32()
    password_hash = hash_password(password)
    organisations = {
        name: services.create_organisation(name, kind, actor=None)
        for name, kind in DEMO_ORGANISATIONS
    }
    _add_accounts(organisations, password_hash)
    _seed_parts(organisations[VOLUNTEER_ORG], password_hash)
    return DemoLogin(password, secret, _add_second_factors(secret))


def _add_accounts(organisations: dict[str, Organisation], password_hash: str) -> None:
    for email, name, organisation_name, roles in DEMO_ACCOUNTS:
        add_account(email, name, password_hash, organisations[organisation_name], roles)
    # The assessment pool needs a coordinator too, so that it can be managed.
    coordinator = person("coordinator@example.org")
    services.add_role(coordinator, organisations[ASSESSMENT_ORG], Role.COORDINATOR, actor=None)
    db.session.flush()


def _add_second_factors(secret: str) -> frozenset[str]:
    """Every demo account that must log in with a code gets the shared secret."""
    needing = [user for user in db.session.scalars(select(User)) if second_factor_required(user)]
    for user in needing:
        enrol_with_secret(user, secret)
    return frozenset(user.email for user in needing)


def _seed_parts(organisation: Organisation, password_hash: str) -> None:
    """Each part of the application seeds its own demo data in the volunteer centre."""
    seed_trajectories(organisation)
    seed_protocols(organisation)
    seed_participation(organisation, password_hash)


def generate_password() -> str:
    """Four random Dutch words: long enough, easy to type."""
    words = "-".join(secrets.choice(PASSWORD_WORDS) for _ in range(4))
    return f"{words}-{secrets.randbelow(90) + 10}"
