"""The EVC-A trajectories: one volunteer in each phase, so every screen has something to show."""

from __future__ import annotations

from datetime import date, timedelta

from evc.accounts.models import Organisation, User
from evc.db import utcnow
from evc.demo.assessments import seed_assessment, seed_completed
from evc.demo.common import confirmed_intake, intake, person, starr
from evc.demo.portfolios import seed_evidence, seed_submitted
from evc.procedure import services as procedure
from evc.procedure.models import GoalKind, Trajectory

AHMED_GOAL = ("Ik wil een baan in de zorg vinden.", "Zorgcentrum De Linde", GoalKind.JOB)
VERA_GOAL = (
    "Ik wil laten zien wat ik kan, zodat ik een opleiding tot gastvrouw kan volgen.",
    "Buurthuis De Brug",
    GoalKind.COURSE,
)
# Vera's self-assessments: (competency, rating, done).
VERA_SELF_ASSESSMENTS = (
    ("communicating", 3, True),
    ("cooperating", 4, True),
    ("showing_reliability", 2, False),
)
# Vera's guidance sessions: (days ago, topics).
VERA_GUIDANCE = (
    (20, "Competenties kiezen en voorbeelden zoeken"),
    (6, "STARR-voorbeelden bespreken"),
)


def seed_trajectories(organisation: Organisation) -> None:
    """One volunteer in each phase built so far, so every screen has something to show."""
    coordinator, supervisor = person("coordinator@example.org"), person("begeleider@example.org")
    today = date.today()

    def start(email: str) -> Trajectory:
        return procedure.start_trajectory(
            organisation, volunteer=person(email), supervisor=supervisor, actor=coordinator
        )

    _seed_stalled(start("ilse@example.org"))
    recorded = _seed_intake_recorded(start("ahmed@example.org"), supervisor, today)
    vera = _seed_recognition(start("vrijwilliger@example.org"), supervisor, today)
    femke = start("femke@example.org")
    seed_submitted(femke, supervisor, today)
    seed_assessment(femke, start("samira@example.org"), supervisor, coordinator, today)
    _seed_group_meeting(organisation, vera, recorded, supervisor, today)
    seed_completed(start("lotte@example.org"), supervisor, coordinator, today)


def _seed_stalled(trajectory: Trajectory) -> None:
    """Intake not held yet, and nothing happened for five weeks: shows as stalled."""
    trajectory.last_activity_at = utcnow() - timedelta(days=35)


def _seed_intake_recorded(trajectory: Trajectory, supervisor: User, today: date) -> Trajectory:
    """Intake recorded, waiting for the volunteer to confirm."""
    procedure.record_intake(trajectory, intake(today, *AHMED_GOAL), actor=supervisor)
    return trajectory


def _seed_recognition(trajectory: Trajectory, supervisor: User, today: date) -> Trajectory:
    """Recognition under way: competencies chosen, two self-assessments done, one draft, two
    guidance sessions and evidence in the portfolio."""
    volunteer = trajectory.volunteer
    confirmed_intake(trajectory, intake(today, *VERA_GOAL), supervisor)
    chosen = [competency_id for competency_id, _rating, _done in VERA_SELF_ASSESSMENTS]
    procedure.choose_competencies(trajectory, chosen, actor=volunteer)
    for competency_id, rating, done in VERA_SELF_ASSESSMENTS:
        procedure.save_self_assessment(
            trajectory, competency_id, starr(rating, done), version_id=None, actor=volunteer
        )
    _log_guidance(trajectory, supervisor, today)
    seed_evidence(trajectory)
    return trajectory


def _log_guidance(trajectory: Trajectory, supervisor: User, today: date) -> None:
    for days_ago, topics in VERA_GUIDANCE:
        procedure.log_guidance_session(
            trajectory,
            held_on=today - timedelta(days=days_ago),
            topics=topics,
            shared_notes="Goed bezig. Volgende keer kijken we naar bewijsstukken.",
            private_notes="Vera twijfelt nog aan zichzelf.",
            actor=supervisor,
        )


def _seed_group_meeting(
    organisation: Organisation, vera: Trajectory, ahmed: Trajectory, supervisor: User, today: date
) -> None:
    """A group meeting that Vera attended and Ahmed missed."""
    procedure.log_group_meeting(
        organisation,
        held_on=today - timedelta(days=25),
        topic="Kennismaking met EVC-A",
        trajectories=[vera, ahmed],
        attendance={vera.id: True, ahmed.id: False},
        actor=supervisor,
    )
