"""Assessments: one portfolio waiting for the assessor, one assessed, one trajectory completed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from evc.accounts.models import User
from evc.demo.common import person
from evc.demo.portfolios import seed_submitted
from evc.procedure.models import Trajectory

YES = {"sufficient": True, "note": ""}


def _criteria(variation: dict = YES, quantity: dict = YES) -> dict:
    """The VRAAK criteria: all sufficient unless variation or quantity says otherwise."""
    return {
        "variation": variation,
        "relevance": YES,
        "authenticity": YES,
        "currency": YES,
        "quantity": quantity,
    }


ONE_PIECE = {"sufficient": False, "note": "Eén stuk bewijs."}
# Samira's judgements: (competency, judgement).
SAMIRA_JUDGEMENTS = (
    (
        "systematic_working",
        {
            "verdict": "demonstrated",
            "motivation": "Het nieuwe schema voor de uitgifte laat goed zien dat Samira vooruit "
            "plant en overzicht houdt. Het voorbeeld is concreet en recent.",
            "advice": "",
            "criteria": _criteria(),
        },
    ),
    (
        "solving_problems",
        {
            "verdict": "not_yet",
            "motivation": "Het voorbeeld is goed, maar er is maar één bewijsstuk en het komt uit "
            "dezelfde situatie. Daarmee is nog niet te zien dat Samira dit vaker en op andere "
            "plekken doet.",
            "advice": "Verzamel een tweede voorbeeld uit een andere situatie, bijvoorbeeld van de "
            "inzamelactie, en vraag een collega om een verklaring.",
            "criteria": _criteria(variation=ONE_PIECE, quantity=ONE_PIECE),
        },
    ),
)
SAMIRA_SUMMARY = (
    "Samira laat met een duidelijk voorbeeld zien dat ze systematisch werkt. Voor "
    "problemen oplossen is meer bewijs nodig uit verschillende situaties."
)
LOTTE_MOTIVATION = "Het voorbeeld is concreet, recent en echt van Lotte zelf."
LOTTE_JUDGEMENTS = (
    (
        "systematic_working",
        {"verdict": "demonstrated", "motivation": LOTTE_MOTIVATION, "advice": ""},
    ),
    (
        "solving_problems",
        {
            "verdict": "not_yet",
            "motivation": LOTTE_MOTIVATION,
            "advice": "Schrijf een tweede voorbeeld op uit een andere situatie, bijvoorbeeld de "
            "inzamelactie.",
        },
    ),
)
LOTTE_SUMMARY = "Lotte werkt systematisch. Voor problemen oplossen is nog een voorbeeld nodig."
LOTTE_INTERVIEW = {
    "discussed": "Het rapport en wat Lotte het komende half jaar wil leren.",
    "volunteer_reaction": "Lotte is blij met de erkenning en wil verder met problemen oplossen.",
}
LOTTE_GOAL = {
    "goal": "Een tweede voorbeeld van problemen oplossen verzamelen",
    "support": "Een gesprek na de inzamelactie",
    "support_from": "Bram (begeleider)",
}


def seed_assessment(
    waiting: Trajectory, assessed: Trajectory, supervisor: User, coordinator: User, today: date
) -> None:
    """Femke's portfolio waits for the demo assessor's declaration; Samira's is assessed and
    waits for the final interview."""
    from evc.assessment import services as assessment

    assessment.assign_assessor(waiting, person("beoordelaar@example.org"), actor=coordinator)
    seed_submitted(assessed, supervisor, today)
    _assess(assessed, coordinator, SAMIRA_JUDGEMENTS, SAMIRA_SUMMARY)


def seed_completed(
    trajectory: Trajectory, supervisor: User, coordinator: User, today: date
) -> None:
    """Lotte's trajectory is completed: assessed, final interview held, plan agreed by both and
    the certificate issued (its number can be checked on the public page)."""
    from evc.certificates import issuing

    seed_submitted(trajectory, supervisor, today)
    judgements = [(c, {**j, "criteria": _criteria()}) for c, j in LOTTE_JUDGEMENTS]
    _assess(trajectory, coordinator, judgements, LOTTE_SUMMARY)
    _close(trajectory, supervisor, today)
    issuing.issue_certificate(trajectory, actor=supervisor)


def _assess(
    trajectory: Trajectory,
    coordinator: User,
    judgements: Iterable[tuple[str, dict]],
    summary: str,
) -> None:
    """The demo assessor is assigned, declares independence, finds the portfolio complete,
    judges each competency and makes the report final."""
    from evc.assessment import services as assessment

    assessor = person("beoordelaar@example.org")
    assignment = assessment.assign_assessor(trajectory, assessor, actor=coordinator)
    assessment.declare_independent(assignment, actor=assessor)
    assessment.confirm_complete(assignment, actor=assessor)
    for competency_id, judgement in judgements:
        assessment.save_judgement(
            assignment, competency_id, judgement, version_id=None, actor=assessor
        )
    assessment.finalise(assignment, summary, version_id=None, actor=assessor)


def _close(trajectory: Trajectory, supervisor: User, today: date) -> None:
    """The final interview is held and the development plan agreed by the volunteer and the
    supervisor."""
    from evc.certificates import services as closing

    closing.record_final_interview(
        trajectory, {"held_on": today, **LOTTE_INTERVIEW}, version_id=None, actor=supervisor
    )
    goals = closing.prefilled_goals(trajectory)
    for goal in goals:
        goal.update(LOTTE_GOAL, target_date=today + timedelta(days=120))
    plan = closing.save_plan(trajectory, goals, version_id=None, actor=supervisor)
    closing.confirm_plan(trajectory, number=plan.number, actor=trajectory.volunteer)
    closing.confirm_plan(trajectory, number=plan.number, actor=supervisor)
