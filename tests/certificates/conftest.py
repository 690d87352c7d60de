"""Fixtures: Vera's assessed trajectory in the final-interview phase, and steps to close it.

Vera chose communicating (demonstrated) and cooperating (not yet, with the assessor's advice).
Everything goes through the services, as the screens do.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from evc.accounts.models import Role
from evc.assessment import services as assessment
from evc.certificates import issuing, services
from evc.extensions import db
from tests import factories
from tests.factories import judgement_data

ADVICE = "Vraag een collega om een verklaring over het samenwerken."


def next_request() -> None:
    db.session.commit()
    db.session.expire_all()


@pytest.fixture
def supervisor(org):
    return factories.user(
        Role.SUPERVISOR, org=org, name="Sam Begeleider", email="begeleider@test.example"
    )


@pytest.fixture
def anna(app):
    pool = factories.assessment_pool("Beoordelaarspool Noord")
    return factories.assessor(pool, name="Anna Beoordelaar", email="anna@pool.example")


@pytest.fixture
def assessed(org, volunteer, supervisor, coordinator, evidence, anna):
    """Vera's trajectory with a final report: the final interview comes next."""
    item = factories.submitted(
        org,
        "communicating",
        "cooperating",
        evidence=evidence,
        volunteer=volunteer,
        supervisor=supervisor,
    )
    assignment = assessment.assign_assessor(item, anna, actor=coordinator)
    assessment.declare_independent(assignment, actor=anna)
    assessment.confirm_complete(assignment, actor=anna)
    for competency_id, verdict, advice in (
        ("communicating", "demonstrated", ""),
        ("cooperating", "not_yet", ADVICE),
    ):
        assessment.save_judgement(
            assignment,
            competency_id,
            judgement_data(verdict, advice=advice),
            version_id=None,
            actor=anna,
        )
    assessment.finalise(
        assignment, "Vera communiceert goed; samenwerken nog niet.", version_id=None, actor=anna
    )
    next_request()
    return loaded(item)


def loaded(item):
    """Read the trajectory afresh with what tests use, so it stays usable after requests."""
    db.session.refresh(item)
    _ = (item.organisation, item.volunteer, item.supervisor)
    return item


INTERVIEW = {
    "held_on": date.today(),
    "discussed": "We bespraken het rapport en wat Vera nu wil leren.",
    "volunteer_reaction": "Vera is trots op communiceren en wil verder met samenwerken.",
}


def goal(**values) -> dict:
    row = {
        "competency_id": "cooperating",
        "goal": "Beter samenwerken in het team",
        "actions": ADVICE,
        "support": "Feedback na elke dienst",
        "support_from": "Sam (begeleider)",
        "target_date": date.today() + timedelta(days=90),
    }
    row.update(values)
    return row


def record_interview(trajectory, supervisor):
    services.record_final_interview(trajectory, dict(INTERVIEW), version_id=None, actor=supervisor)
    next_request()


def agree_plan(trajectory, supervisor, volunteer, rows=None):
    plan = services.save_plan(trajectory, rows or [goal()], version_id=None, actor=supervisor)
    next_request()
    services.confirm_plan(trajectory, number=plan.number, actor=volunteer)
    services.confirm_plan(trajectory, number=plan.number, actor=supervisor)
    next_request()
    return plan


@pytest.fixture
def ready(assessed, supervisor, volunteer):
    """Interview recorded and plan agreed: the certificate can be issued."""
    record_interview(assessed, supervisor)
    agree_plan(assessed, supervisor, volunteer)
    return loaded(assessed)


@pytest.fixture
def issued(ready, supervisor):
    certificate = issuing.issue_certificate(ready, actor=supervisor)
    next_request()
    db.session.refresh(certificate)
    loaded(ready)
    _ = certificate.trajectory, certificate.organisation
    return certificate
