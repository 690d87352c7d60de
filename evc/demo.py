"""Demo data for a newcomer: two organisations and one account per role. Never in production."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import func, select

from evc.accounts import services
from evc.accounts.models import OrganisationKind, Role, User
from evc.accounts.passwords import hash_password
from evc.db import utcnow
from evc.extensions import db
from evc.procedure import services as procedure
from evc.procedure.models import GoalKind

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
    _seed_trajectories(organisations[VOLUNTEER_ORG])
    return password


def _seed_trajectories(organisation) -> None:
    """One volunteer in each phase built so far, so every screen has something to show."""
    find = services.find_user_by_email
    coordinator, supervisor = find("coordinator@example.org"), find("begeleider@example.org")
    today = date.today()

    def start(email):
        return procedure.start_trajectory(
            organisation, volunteer=find(email), supervisor=supervisor, actor=coordinator
        )

    # Intake not held yet, and nothing happened for five weeks: shows as stalled.
    waiting = start("ilse@example.org")
    waiting.last_activity_at = utcnow() - timedelta(days=35)
    # Intake recorded, waiting for the volunteer to confirm.
    recorded = start("ahmed@example.org")
    procedure.record_intake(
        recorded,
        _intake(today, "Ik wil een baan in de zorg vinden.", "Zorgcentrum De Linde", GoalKind.JOB),
        actor=supervisor,
    )
    # Recognition under way: competencies chosen, two self-assessments done, one draft.
    vera = start("vrijwilliger@example.org")
    procedure.record_intake(
        vera,
        _intake(
            today,
            "Ik wil laten zien wat ik kan, zodat ik een opleiding tot gastvrouw kan volgen.",
            "Buurthuis De Brug",
            GoalKind.COURSE,
        ),
        actor=supervisor,
    )
    procedure.confirm_intake(vera, version_id=vera.intake.version_id, actor=vera.volunteer)
    procedure.choose_competencies(
        vera, ["communicating", "cooperating", "showing_reliability"], actor=vera.volunteer
    )
    for competency_id, rating, done in (
        ("communicating", 3, True),
        ("cooperating", 4, True),
        ("showing_reliability", 2, False),
    ):
        procedure.save_self_assessment(
            vera, competency_id, _starr(rating, done), version_id=None, actor=vera.volunteer
        )
    for days_ago, topics in (
        (20, "Competenties kiezen en voorbeelden zoeken"),
        (6, "STARR-voorbeelden bespreken"),
    ):
        procedure.log_guidance_session(
            vera,
            held_on=today - timedelta(days=days_ago),
            topics=topics,
            shared_notes="Goed bezig. Volgende keer kijken we naar bewijsstukken.",
            private_notes="Vera twijfelt nog aan zichzelf.",
            actor=supervisor,
        )
    procedure.log_group_meeting(
        organisation,
        held_on=today - timedelta(days=25),
        topic="Kennismaking met EVC-A",
        trajectories=[vera, recorded],
        attendance={vera.id: True, recorded.id: False},
        actor=supervisor,
    )


def _intake(today, goal, work_organisation, goal_kind) -> dict:
    return {
        "held_on": today - timedelta(days=30),
        "goal_kind": goal_kind,
        "goal": goal,
        "work_organisation": work_organisation,
        "work_tasks": "Gasten ontvangen, koffie schenken, activiteiten helpen organiseren.",
        "work_since": today - timedelta(days=800),
        "meeting_plan": "Elke twee weken een gesprek van een uur, op dinsdagochtend.",
        "target_submission_date": today + timedelta(days=60),
    }


def _starr(rating: int, complete: bool) -> dict:
    story = {
        "rating": rating,
        "situation": "Op een drukke middag in het buurthuis kwam een nieuwe bezoeker binnen.",
        "task": "Ik moest hem wegwijs maken en tegelijk de bar draaiende houden.",
        "action": "Ik vroeg een collega de bar over te nemen en liep met hem een rondje.",
        "result": "Hij kwam de week erna terug en doet nu mee met de kookgroep.",
        "reflection": "Ik heb geleerd om hulp te vragen als het druk is.",
    }
    if not complete:
        story.update(result="", reflection="")
    return story


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
