"""Demo data for a newcomer: two organisations and one account per role. Never in production.

The accounts are made here; each part of the application is seeded by its own module
(trajectories, portfolios, assessments, clearances, participation)."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from evc.accounts import services
from evc.accounts.models import OrganisationKind, Role, User
from evc.accounts.passwords import hash_password
from evc.demo.clearances import seed_protocols
from evc.demo.common import person
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


def database_is_empty() -> bool:
    return db.count(select(func.count(User.id))) == 0


def seed_demo(password: str | None) -> str:
    """Create the demo organisations and accounts; returns the password they share."""
    password = password or generate_password()
    password_hash = hash_password(password)
    organisations = {
        VOLUNTEER_ORG: services.create_organisation(
            VOLUNTEER_ORG, OrganisationKind.VOLUNTEER, actor=None
        ),
        ASSESSMENT_ORG: services.create_organisation(
            ASSESSMENT_ORG, OrganisationKind.ASSESSMENT, actor=None
        ),
    }
    assessment = organisations[ASSESSMENT_ORG]
    for email, name, organisation_name, roles in DEMO_ACCOUNTS:
        user = User(email=email, display_name=name, language="nl", password_hash=password_hash)
        db.session.add(user)
        db.session.flush()
        for role in roles:
            services.add_role(user, organisations[organisation_name], role, actor=None)
    # The assessment pool needs a coordinator too, so that it can be managed.
    coordinator = person("coordinator@example.org")
    services.add_role(coordinator, assessment, Role.COORDINATOR, actor=None)
    db.session.flush()
    seed_trajectories(organisations[VOLUNTEER_ORG])
    seed_protocols(organisations[VOLUNTEER_ORG])
    seed_participation(organisations[VOLUNTEER_ORG], password_hash)
    return password


def generate_password() -> str:
    """Four random Dutch words: long enough, easy to type."""
    words = (
        "appel",
        "fiets",
        "molen",
        "tulp",
        "brug",
        "kaas",
        "polder",
        "duin",
        "gracht",
        "klomp",
        "haven",
        "zeil",
        "water",
        "toren",
        "boek",
        "licht",
    )
    return "-".join(secrets.choice(words) for _ in range(4)) + f"-{secrets.randbelow(90) + 10}"
