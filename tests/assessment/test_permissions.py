"""Who may do what in the assessment, per state of the assignment and phase of the trajectory.

Each test builds one state of Vera's assessment with Anna as the assigned assessor and compares,
for every person, the set of rules ``can`` allows with the expected set. The assessor reads the
portfolio only between the declaration and the end of the assessment phase; after the report is
final she reads the report, never again the evidence.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from evc.accounts.models import Membership, Role
from evc.assessment.models import AssessmentReport, AssignmentStatus
from evc.db import utcnow
from evc.extensions import db
from evc.permissions import can
from evc.portfolio.models import EvidenceItem, EvidenceKind
from evc.procedure.phases import Phase
from tests import factories

RULES = (
    "assignment.declare",
    "assignment.work",
    "assignment.view",
    "assignment.correct",
    "assessment.report_view",
    "evidence.view",
    "trajectory.view",  # the trajectory page shows the volunteer's name: never the assessor's
)

OWNERS = ("volunteer", "supervisor", "coordinator")  # always read the portfolio, never assess
OUTSIDERS = ("another assessor", "coordinator of another organisation")


def expected(assessor: set[str], report: bool) -> dict[str, set[str]]:
    owners = {"evidence.view", "trajectory.view"} | (
        {"assessment.report_view"} if report else set()
    )
    return {
        "assigned assessor": assessor,
        **{person: owners for person in OWNERS},
        **{person: set() for person in OUTSIDERS},
    }


# state: (assignment status, trajectory phase, report final, what Anna may do)
STATES = {
    "assigned, not yet declared": (
        AssignmentStatus.ASSIGNED,
        Phase.ASSESSMENT,
        False,
        {"assignment.declare", "assignment.view"},
    ),
    "declared": (
        AssignmentStatus.ACTIVE,
        Phase.ASSESSMENT,
        False,
        {"assignment.work", "assignment.view", "evidence.view"},
    ),
    "own judgements done (two assessors)": (
        AssignmentStatus.JUDGED,
        Phase.ASSESSMENT,
        False,
        {"assignment.work", "assignment.view", "evidence.view"},
    ),
    "returned for more evidence": (
        AssignmentStatus.ACTIVE,
        Phase.RECOGNITION,
        False,
        {"assignment.view"},
    ),
    "report final, final interview": (
        AssignmentStatus.FINALISED,
        Phase.FINAL_INTERVIEW,
        True,
        {"assignment.view", "assignment.correct", "assessment.report_view"},
    ),
    "trajectory completed": (
        AssignmentStatus.FINALISED,
        Phase.COMPLETED,
        True,
        {"assignment.view", "assessment.report_view"},
    ),
    "declined": (AssignmentStatus.DECLINED, Phase.ASSESSMENT, False, set()),
    "withdrawn by the coordinator": (AssignmentStatus.WITHDRAWN, Phase.ASSESSMENT, False, set()),
}


def evidence_item(trajectory) -> EvidenceItem:
    item = EvidenceItem(
        trajectory_id=trajectory.id,
        kind=EvidenceKind.STORY,
        title="Een boze bezoeker kalmeren",
        description="Ik luisterde en bood thee aan.",
        activity_from=date.today() - timedelta(days=30),
        work_context="Voedselbank",
    )
    db.session.add(item)
    db.session.commit()
    return item


def build(trajectory, anna, status, phase, report_final):
    assignment = factories.assignment(trajectory, anna, status=status, complete=True)
    if report_final:
        assignment.finalised_at = utcnow()
        db.session.add(
            AssessmentReport(
                trajectory_id=trajectory.id,
                summary="Samenvatting van het rapport.",
                finalised_at=utcnow(),
                finalised_by_id=anna.id,
            )
        )
    trajectory.phase = phase
    db.session.commit()
    return assignment, evidence_item(trajectory)


def allowed(person, assignment, item) -> set[str]:
    objects = {
        "assignment.declare": assignment,
        "assignment.work": assignment,
        "assignment.view": assignment,
        "assignment.correct": assignment,
        "assessment.report_view": assignment.trajectory,
        "evidence.view": item,
        "trajectory.view": assignment.trajectory,
    }
    return {rule for rule in RULES if can(rule, objects[rule], user=person)}


@pytest.fixture
def people(volunteer, supervisor, coordinator, other_org, anna, pool):
    return {
        "assigned assessor": anna,
        "volunteer": volunteer,
        "supervisor": supervisor,
        "coordinator": coordinator,
        "another assessor": factories.assessor(pool, name="Andere Beoordelaar"),
        "coordinator of another organisation": factories.user(
            Role.COORDINATOR, org=other_org, name="Otto Anders"
        ),
    }


@pytest.mark.parametrize("state", list(STATES))
def test_who_may_do_what(app, submitted, people, state):
    status, phase, report_final, assessor_rules = STATES[state]
    assignment, item = build(submitted, people["assigned assessor"], status, phase, report_final)
    with app.test_request_context():
        actual = {name: allowed(person, assignment, item) for name, person in people.items()}
    assert actual == expected(assessor_rules, report_final)


@pytest.mark.parametrize(
    "change",
    ["account blocked", "assessor role removed"],
)
def test_an_assessor_who_lost_the_account_or_role_loses_access(app, submitted, anna, change):
    assignment, item = build(submitted, anna, AssignmentStatus.ACTIVE, Phase.ASSESSMENT, False)
    if change == "account blocked":
        anna.is_active_account = False
    else:
        for membership in list(anna.memberships):
            db.session.delete(membership)
    db.session.commit()
    db.session.refresh(anna)
    with app.test_request_context():
        assert allowed(anna, assignment, item) == set()


def test_the_second_assessor_reads_the_portfolio_but_not_the_lead_assessment(
    app, org, submitted, anna, bram
):
    factories.org_settings(org, two_assessors=True)
    lead, item = build(submitted, anna, AssignmentStatus.ACTIVE, Phase.ASSESSMENT, False)
    second = factories.assignment(submitted, bram, position=2, status=AssignmentStatus.ACTIVE)
    with app.test_request_context():
        assert allowed(bram, lead, item) == {"evidence.view"}
        assert allowed(bram, second, item) == {
            "assignment.work",
            "assignment.view",
            "evidence.view",
        }


@pytest.mark.parametrize(
    ("phase", "may"),
    [
        (Phase.RECOGNITION, False),
        (Phase.ASSESSMENT, True),
        (Phase.FINAL_INTERVIEW, False),
    ],
)
def test_only_a_coordinator_of_the_organisation_assigns_during_the_assessment(
    app, org, other_org, coordinator, anna, volunteer, phase, may
):
    trajectory = factories.trajectory(org, volunteer=volunteer, phase=phase)
    elsewhere = factories.user(Role.COORDINATOR, org=other_org)
    # An assessor who coordinates elsewhere does not become a coordinator here.
    db.session.add(Membership(user_id=anna.id, organisation_id=other_org.id, role=Role.COORDINATOR))
    db.session.commit()
    db.session.refresh(anna)
    with app.test_request_context():
        assert can("assessment.assign", trajectory, user=coordinator) is may
        assert not can("assessment.assign", trajectory, user=elsewhere)
        assert not can("assessment.assign", trajectory, user=anna)
        assert not can("assessment.assign", trajectory, user=volunteer)
