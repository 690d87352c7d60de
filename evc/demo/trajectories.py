"""The EVC-A trajectories: one volunteer in each phase, so every screen has something to show."""

from __future__ import annotations

from datetime import date, timedelta

from evc.db import utcnow
from evc.demo.assessments import seed_assessment, seed_completed
from evc.demo.common import intake, person, starr
from evc.demo.portfolios import seed_evidence, seed_submitted
from evc.procedure import services as procedure
from evc.procedure.models import GoalKind


def seed_trajectories(organisation) -> None:
    """One volunteer in each phase built so far, so every screen has something to show."""
    find = person
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
        intake(today, "Ik wil een baan in de zorg vinden.", "Zorgcentrum De Linde", GoalKind.JOB),
        actor=supervisor,
    )
    # Recognition under way: competencies chosen, two self-assessments done, one draft.
    vera = start("vrijwilliger@example.org")
    procedure.record_intake(
        vera,
        intake(
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
            vera, competency_id, starr(rating, done), version_id=None, actor=vera.volunteer
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
    seed_evidence(vera)
    femke = start("femke@example.org")
    seed_submitted(femke, supervisor, today)
    seed_assessment(femke, start("samira@example.org"), supervisor, coordinator, today)
    procedure.log_group_meeting(
        organisation,
        held_on=today - timedelta(days=25),
        topic="Kennismaking met EVC-A",
        trajectories=[vera, recorded],
        attendance={vera.id: True, recorded.id: False},
        actor=supervisor,
    )
    seed_completed(start("lotte@example.org"), supervisor, coordinator, today)
