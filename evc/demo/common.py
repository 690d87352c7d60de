"""What the demo's seeding steps share: the demo people by e-mail, a new demo account, an intake
(recorded and confirmed) and a STARR story."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from evc.accounts import services
from evc.accounts.models import Organisation, Role, User
from evc.extensions import db
from evc.procedure import services as procedure
from evc.procedure.models import Trajectory


def person(email: str) -> User:
    """A demo account that the seeding created before this step."""
    user = services.find_user_by_email(email)
    if user is None:
        raise LookupError(f"demo account {email} is missing")
    return user


def add_account(
    email: str, name: str, password_hash: str, organisation: Organisation, roles: Iterable[Role]
) -> User:
    """A Dutch-speaking demo account with the shared password and its roles in one organisation."""
    user = User(email=email, display_name=name, language="nl", password_hash=password_hash)
    db.session.add(user)
    db.session.flush()
    for role in roles:
        services.add_role(user, organisation, role, actor=None)
    return user


def confirmed_intake(trajectory: Trajectory, data: dict, supervisor: User) -> None:
    """The supervisor records the intake and the volunteer confirms it."""
    recorded = procedure.record_intake(trajectory, data, actor=supervisor)
    procedure.confirm_intake(trajectory, version_id=recorded.version_id, actor=trajectory.volunteer)


def intake(today, goal, work_organisation, goal_kind) -> dict:
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


def starr(rating: int, complete: bool) -> dict:
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
