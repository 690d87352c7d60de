"""Demo data for a newcomer: two organisations and one account per role. Never in production."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from evc.accounts import services
from evc.accounts.models import OrganisationKind, Role, User
from evc.accounts.passwords import hash_password
from evc.extensions import db

VOLUNTEER_ORG = "Vrijwilligerscentrum De Brug"
ASSESSMENT_ORG = "Beoordelaarspool Regio Midden"

# (e-mail, display name, organisation, roles)
DEMO_ACCOUNTS = (
    ("coordinator@example.org", "Carla Coördinator", VOLUNTEER_ORG, (Role.COORDINATOR,)),
    ("begeleider@example.org", "Bram Begeleider", VOLUNTEER_ORG, (Role.SUPERVISOR,)),
    ("beoordelaar@example.org", "Bea Beoordelaar", ASSESSMENT_ORG, (Role.ASSESSOR,)),
    ("vrijwilliger@example.org", "Vera Vrijwilliger", VOLUNTEER_ORG, (Role.VOLUNTEER,)),
    ("deelnemer@example.org", "Daan Deelnemer", VOLUNTEER_ORG, (Role.CLIENT,)),
)


def database_is_empty() -> bool:
    return db.session.scalar(select(func.count(User.id))) == 0


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
    coordinator = services.find_user_by_email("coordinator@example.org")
    services.add_role(coordinator, assessment, Role.COORDINATOR, actor=None)
    db.session.flush()
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
