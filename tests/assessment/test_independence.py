"""Who may assess Vera's portfolio: the independence rules of ``assign_assessor`` as a table.

Each case builds one candidate around Vera's submitted trajectory (organisation ``org``,
supervisor Sam) and says either why the coordinator is refused (a pattern the Dutch message
must contain) or that the assignment is made. A refusal must leave nothing behind: no
assignment, no audit row, no mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, select

from evc.accounts.models import Membership, Role
from evc.assessment import services
from evc.assessment.models import Assignment, AssignmentStatus
from evc.extensions import db
from evc.procedure.models import GroupAttendance, GroupMeeting, GuidanceSession
from evc.procedure.phases import Phase
from tests import factories
from tests.assessment import actions, mails_to, next_request, refusal, written

JUSTIFICATION = "Het is een kleine organisatie; niemand van buiten is beschikbaar."
EXACTLY_20 = "Geen extern persoon."  # 20 characters
JUST_19 = "Kleine organisatie."  # 19 characters


def give_role(person, organisation, role) -> None:
    db.session.add(Membership(user_id=person.id, organisation_id=organisation.id, role=role))
    db.session.commit()
    db.session.refresh(person)


# --- candidates ------------------------------------------------------------------------------


def the_volunteer(w):
    give_role(w.volunteer, w.pool, Role.ASSESSOR)
    return w.volunteer


def the_current_supervisor(w):
    give_role(w.supervisor, w.pool, Role.ASSESSOR)
    return w.supervisor


def supervisor_of_an_earlier_trajectory(w):
    former = factories.assessor(w.pool, name="Frits Vroeger")
    factories.trajectory(
        w.other_org, volunteer=w.volunteer, supervisor=former, phase=Phase.COMPLETED
    )
    return former


def held_a_guidance_session(w):
    stand_in = factories.assessor(w.pool, name="Ineke Invaller")
    db.session.add(
        GuidanceSession(
            trajectory_id=w.trajectory.id,
            supervisor_id=stand_in.id,
            held_on=date.today() - timedelta(days=20),
            topics="Bewijs zoeken",
        )
    )
    db.session.commit()
    return stand_in


def led_a_group_meeting_vera_attended(w):
    leader = factories.assessor(w.pool, name="Gerda Groep")
    meeting = GroupMeeting(
        organisation_id=w.org.id,
        supervisor_id=leader.id,
        held_on=date.today() - timedelta(days=40),
        topic="Kennismaken met EVC-A",
    )
    meeting.attendances = [GroupAttendance(trajectory_id=w.trajectory.id, present=True)]
    db.session.add(meeting)
    db.session.commit()
    return leader


def colleague_in_vera_organisation(w):
    """A pool assessor who also volunteers in Vera's organisation."""
    return factories.user((w.pool, Role.ASSESSOR), (w.org, Role.VOLUNTEER), name="Coby Collega")


def assessor_of_vera_organisation(w):
    return factories.user((w.org, Role.ASSESSOR), name="Ids Intern")


def member_of_vera_other_organisation(w):
    give_role(w.volunteer, w.other_org, Role.VOLUNTEER)
    return factories.user(
        (w.pool, Role.ASSESSOR), (w.other_org, Role.COORDINATOR), name="Olga Ander"
    )


def member_of_the_trajectory_organisation_after_vera_left_it(w):
    """Vera's role in the organisation was removed meanwhile; her trajectory is still there."""
    db.session.execute(delete(Membership).where(Membership.user_id == w.volunteer.id))
    db.session.commit()
    return factories.user((w.pool, Role.ASSESSOR), (w.org, Role.COORDINATOR), name="Tom Traject")


def blocked_account(w):
    return factories.assessor(w.pool, name="Bob Geblokkeerd", active=False)


def without_assessor_role(w):
    return factories.user((w.pool, Role.COORDINATOR), name="Pim Poolcoördinator")


def declined_before(w):
    knows_her = factories.assessor(w.pool, name="Kees Kent")
    factories.assignment(w.trajectory, knows_her, status=AssignmentStatus.DECLINED)
    return knows_her


def already_assessing_at_the_other_position(w):
    lead = factories.assessor(w.pool, name="Lies Lead")
    factories.assignment(w.trajectory, lead, position=1, status=AssignmentStatus.ACTIVE)
    return lead


def clean_pool_assessor(w):
    return factories.assessor(w.pool, name="Nina Neutraal")


# --- the table -------------------------------------------------------------------------------

ALLOW_INTERNAL = {"allow_internal_assessor": True}
ORG_RULE = "hoort bij dezelfde organisatie als de vrijwilliger"


@dataclass
class Case:
    candidate: object
    refused: str | None  # a fragment of the Dutch refusal; None: the assignment is made
    settings: dict = field(default_factory=dict)
    justification: str = ""
    marks: tuple = ()


CASES = {
    "volunteer themselves": Case(the_volunteer, "eigen portfolio niet beoordelen"),
    # Guidance is refused even where internal assessors are allowed with a good reason.
    "current supervisor": Case(
        the_current_supervisor, "is of was begeleider", ALLOW_INTERNAL, JUSTIFICATION
    ),
    "supervisor of an earlier trajectory": Case(
        supervisor_of_an_earlier_trajectory, "is of was begeleider"
    ),
    "held a guidance session with her": Case(held_a_guidance_session, "is of was begeleider"),
    "led a group meeting she attended": Case(
        led_a_group_meeting_vera_attended, "is of was begeleider"
    ),
    "member of her organisation (default)": Case(
        colleague_in_vera_organisation, ORG_RULE + r".*Kies een beoordelaar van buiten"
    ),
    "assessor of her own organisation (default)": Case(assessor_of_vera_organisation, ORG_RULE),
    "member of her organisation, setting on, no justification": Case(
        colleague_in_vera_organisation, r"Leg uit waarom.*minstens 20 tekens", ALLOW_INTERNAL
    ),
    "member of her organisation, setting on, 19 characters": Case(
        colleague_in_vera_organisation,
        r"Leg uit waarom.*minstens 20 tekens",
        ALLOW_INTERNAL,
        JUST_19,
    ),
    "member of her organisation, setting on, 19 characters padded with spaces": Case(
        colleague_in_vera_organisation,
        r"Leg uit waarom.*minstens 20 tekens",
        ALLOW_INTERNAL,
        f"     {JUST_19}     ",
    ),
    "member of her organisation, setting on, exactly 20 characters": Case(
        colleague_in_vera_organisation, None, ALLOW_INTERNAL, EXACTLY_20
    ),
    "member of her organisation, setting on, justified": Case(
        colleague_in_vera_organisation, None, ALLOW_INTERNAL, JUSTIFICATION
    ),
    "member of another organisation she belongs to": Case(
        member_of_vera_other_organisation, ORG_RULE
    ),
    "member of the trajectory's organisation after she left it": Case(
        member_of_the_trajectory_organisation_after_vera_left_it,
        ORG_RULE,
    ),
    "blocked account": Case(blocked_account, "is geblokkeerd"),
    "user without the assessor role": Case(without_assessor_role, "is geen beoordelaar"),
    "declined this portfolio before": Case(
        declined_before, "verklaard deze vrijwilliger persoonlijk te kennen"
    ),
    "already assessing at the other position": Case(
        already_assessing_at_the_other_position,
        "beoordeelt dit portfolio al",
        {"two_assessors": True},
    ),
    "clean pool assessor": Case(clean_pool_assessor, None),
}


@pytest.fixture
def world(org, other_org, volunteer, supervisor, coordinator, pool, submitted):
    return SimpleNamespace(
        org=org,
        other_org=other_org,
        volunteer=volunteer,
        supervisor=supervisor,
        coordinator=coordinator,
        pool=pool,
        trajectory=submitted,
    )


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=name, marks=c.marks) for name, c in CASES.items()]
)
def test_independence(world, case):
    if case.settings:
        factories.org_settings(world.org, **case.settings)
    candidate = case.candidate(world)
    before = written()

    if case.refused is not None:
        message = refusal(
            services.assign_assessor,
            world.trajectory,
            candidate,
            actor=world.coordinator,
            justification=case.justification,
        )
        assert message and re.search(case.refused, message), message
        assert written() == before, "a refused assignment left something behind"
        assert mails_to(candidate) == []
        return

    assignment = services.assign_assessor(
        world.trajectory, candidate, actor=world.coordinator, justification=case.justification
    )
    next_request()
    stored = db.session.scalars(
        select(Assignment).where(Assignment.assessor_id == candidate.id)
    ).one()
    assert stored.id == assignment.id
    assert (stored.status, stored.position, stored.trajectory_id) == (
        AssignmentStatus.ASSIGNED,
        1,
        world.trajectory.id,
    )
    internal = bool(case.settings.get("allow_internal_assessor"))
    assert stored.internal_justification == (case.justification.strip() if internal else None)
    assert actions()[-1] == "assessment.assigned"
    assert len(mails_to(candidate)) == 1


def test_several_reasons_are_given_together(world):
    """A blocked colleague who once held a guidance session hears every reason at once."""
    person = factories.user((world.org, Role.VOLUNTEER), name="Meervoudig Probleem", active=False)
    db.session.add(
        GuidanceSession(
            trajectory_id=world.trajectory.id,
            supervisor_id=person.id,
            held_on=date.today() - timedelta(days=5),
            topics="Kennismaking",
        )
    )
    db.session.commit()
    message = refusal(services.assign_assessor, world.trajectory, person, actor=world.coordinator)
    for reason in ("geblokkeerd", "geen beoordelaar", "begeleider", "dezelfde organisatie"):
        assert reason in message
    assert "Meervoudig Probleem" in message


def test_an_assessor_whose_assignment_was_withdrawn_may_be_assigned_again(world, anna):
    """Withdrawn is not declined: the coordinator took it back, nobody declared a conflict."""
    first = services.assign_assessor(world.trajectory, anna, actor=world.coordinator)
    services.withdraw_assignment(first, "Reageerde niet op tijd.", actor=world.coordinator)
    next_request()
    again = services.assign_assessor(world.trajectory, anna, actor=world.coordinator)
    next_request()
    assert again.id != first.id and again.status == AssignmentStatus.ASSIGNED
