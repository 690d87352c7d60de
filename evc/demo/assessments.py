"""Assessments: one portfolio waiting for the assessor, one assessed, one trajectory completed."""

from __future__ import annotations

from datetime import timedelta

from evc.demo.common import person
from evc.demo.portfolios import seed_submitted


def seed_assessment(waiting, assessed, supervisor, coordinator, today) -> None:
    """Femke's portfolio waits for the demo assessor's declaration; Samira's is assessed and
    waits for the final interview."""
    from evc.assessment import services as assessment

    assessor = person("beoordelaar@example.org")
    assessment.assign_assessor(waiting, assessor, actor=coordinator)
    seed_submitted(assessed, supervisor, today)
    assignment = assessment.assign_assessor(assessed, assessor, actor=coordinator)
    assessment.declare_independent(assignment, actor=assessor)
    assessment.confirm_complete(assignment, actor=assessor)
    yes = {"sufficient": True, "note": ""}
    for competency_id, verdict, motivation, advice, quantity in (
        (
            "systematic_working",
            "demonstrated",
            "Het nieuwe schema voor de uitgifte laat goed zien dat Samira vooruit plant en "
            "overzicht houdt. Het voorbeeld is concreet en recent.",
            "",
            yes,
        ),
        (
            "solving_problems",
            "not_yet",
            "Het voorbeeld is goed, maar er is maar één bewijsstuk en het komt uit dezelfde "
            "situatie. Daarmee is nog niet te zien dat Samira dit vaker en op andere plekken doet.",
            "Verzamel een tweede voorbeeld uit een andere situatie, bijvoorbeeld van de "
            "inzamelactie, en vraag een collega om een verklaring.",
            {"sufficient": False, "note": "Eén stuk bewijs."},
        ),
    ):
        assessment.save_judgement(
            assignment,
            competency_id,
            {
                "verdict": verdict,
                "motivation": motivation,
                "advice": advice,
                "criteria": {
                    "variation": yes if verdict == "demonstrated" else quantity,
                    "relevance": yes,
                    "authenticity": yes,
                    "currency": yes,
                    "quantity": quantity,
                },
            },
            version_id=None,
            actor=assessor,
        )
    assessment.finalise(
        assignment,
        "Samira laat met een duidelijk voorbeeld zien dat ze systematisch werkt. Voor "
        "problemen oplossen is meer bewijs nodig uit verschillende situaties.",
        version_id=None,
        actor=assessor,
    )


def seed_completed(trajectory, supervisor, coordinator, today) -> None:
    """Lotte's trajectory is completed: assessed, final interview held, plan agreed by both and
    the certificate issued (its number can be checked on the public page)."""
    from evc.assessment import services as assessment
    from evc.certificates import issuing
    from evc.certificates import services as closing

    assessor = person("beoordelaar@example.org")
    seed_submitted(trajectory, supervisor, today)
    assignment = assessment.assign_assessor(trajectory, assessor, actor=coordinator)
    assessment.declare_independent(assignment, actor=assessor)
    assessment.confirm_complete(assignment, actor=assessor)
    yes = {"sufficient": True, "note": ""}
    for competency_id, verdict, advice in (
        ("systematic_working", "demonstrated", ""),
        (
            "solving_problems",
            "not_yet",
            "Schrijf een tweede voorbeeld op uit een andere situatie, bijvoorbeeld de "
            "inzamelactie.",
        ),
    ):
        assessment.save_judgement(
            assignment,
            competency_id,
            {
                "verdict": verdict,
                "motivation": "Het voorbeeld is concreet, recent en echt van Lotte zelf.",
                "advice": advice,
                "criteria": dict.fromkeys(
                    ("variation", "relevance", "authenticity", "currency", "quantity"), yes
                ),
            },
            version_id=None,
            actor=assessor,
        )
    assessment.finalise(
        assignment,
        "Lotte werkt systematisch. Voor problemen oplossen is nog een voorbeeld nodig.",
        version_id=None,
        actor=assessor,
    )
    closing.record_final_interview(
        trajectory,
        {
            "held_on": today,
            "discussed": "Het rapport en wat Lotte het komende half jaar wil leren.",
            "volunteer_reaction": "Lotte is blij met de erkenning en wil verder met problemen "
            "oplossen.",
        },
        version_id=None,
        actor=supervisor,
    )
    goals = closing.prefilled_goals(trajectory)
    for goal in goals:
        goal.update(
            goal="Een tweede voorbeeld van problemen oplossen verzamelen",
            support="Een gesprek na de inzamelactie",
            support_from="Bram (begeleider)",
            target_date=today + timedelta(days=120),
        )
    plan = closing.save_plan(trajectory, goals, version_id=None, actor=supervisor)
    closing.confirm_plan(trajectory, number=plan.number, actor=trajectory.volunteer)
    closing.confirm_plan(trajectory, number=plan.number, actor=supervisor)
    issuing.issue_certificate(trajectory, actor=supervisor)
