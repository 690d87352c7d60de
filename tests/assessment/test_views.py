"""The assessment screens through the test client, as coordinator, assessor, volunteer and
supervisor use them. Data that could leak is always present, so "not shown" means something."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from evc.accounts.models import OrganisationKind, Role
from evc.assessment.models import (
    AssessmentReport,
    Assignment,
    AssignmentStatus,
    Judgement,
    JudgementCorrection,
)
from evc.extensions import db
from evc.mail import OutboxMessage
from evc.procedure.models import OrganisationSettings, Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services import submit_for_assessment
from tests import factories
from tests.conftest import Browserless

CHOSEN = ("communicating", "cooperating")
QUEUE_QUERIES = 4
CRITERIA_OK = {
    "variation": "yes",
    "relevance": "yes",
    "authenticity": "yes",
    "currency": "yes",
    "quantity": "no",
    "quantity_note": "Maar één stuk.",
}


def text(response) -> str:
    return response.get_data(as_text=True)


def follow(web, response) -> str:
    assert response.status_code == 302, text(response)[:3000]
    return text(web.get(response.headers["Location"]))


def hidden_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, f"no field {name!r}"
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def phase_of(trajectory) -> Phase:
    return db.session.scalar(select(Trajectory.phase).where(Trajectory.id == trajectory.id))


@pytest.fixture
def pool(app):
    return factories.organisation("Beoordelaarspool", kind=OrganisationKind.ASSESSMENT)


@pytest.fixture
def assessor(pool):
    return factories.user(Role.ASSESSOR, org=pool, email="anna@pool.example", name="Anna Assessor")


@pytest.fixture
def submitted(org, evidence):
    item = factories.ready_for_submission(org, *CHOSEN, evidence=evidence)
    item.phase = Phase.ASSESSMENT
    from evc.db import utcnow

    item.submitted_at = utcnow()
    db.session.commit()
    _ = (item.volunteer.display_name, item.supervisor.display_name)  # usable after requests
    return item


def as_user(app, person) -> Browserless:
    web = Browserless(app.test_client())
    web.login(person.email)
    return web


def assign(app, coordinator, trajectory, assessor):
    web = as_user(app, coordinator)
    url = f"/trajecten/{trajectory.id}/beoordelaar"
    return web.post_form(url, {"assessor": str(assessor.id)})


def test_coordinator_assigns_and_assessor_judges_to_final_report(
    app, org, coordinator, submitted, assessor
):
    response = assign(app, coordinator, submitted, assessor)
    page = follow(as_user(app, coordinator), response)
    assert "Anna Assessor" in page
    assignment = db.session.scalar(select(Assignment))
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == assessor.id))
    assert f"/beoordelingen/{assignment.id}/verklaring" in mail.body

    web = as_user(app, assessor)
    # Nothing of the portfolio before the declaration.
    response = web.get(f"/beoordelingen/{assignment.id}")
    assert response.status_code == 302 and "verklaring" in response.headers["Location"]
    page = text(web.get(f"/beoordelingen/{assignment.id}/verklaring"))
    assert "niet persoonlijk" in page
    page = follow(web, web.post_form(f"/beoordelingen/{assignment.id}/verklaring", {"knows": "no"}))
    assert "Stap 1" in page and "GEHEIME NOTITIE" not in page

    # Judging before the completeness check is refused.
    response = web.get(f"/beoordelingen/{assignment.id}/competenties/communicating")
    assert response.status_code == 302
    page = follow(
        web, web.post_form(f"/beoordelingen/{assignment.id}/controle", {"decision": "complete"})
    )
    assert "compleet" in page

    # A verdict without motivation: a clear message, nothing stored.
    url = f"/beoordelingen/{assignment.id}/competenties/communicating"
    response = web.post_form(url, {**CRITERIA_OK, "verdict": "demonstrated", "motivation": ""})
    assert response.status_code == 422 and "motivatie" in text(response).lower()
    assert db.session.scalar(select(func.count(Judgement.id))) == 0

    for competency_id in CHOSEN:
        url = f"/beoordelingen/{assignment.id}/competenties/{competency_id}"
        response = web.post_form(
            url,
            {**CRITERIA_OK, "verdict": "demonstrated", "motivation": "Goed onderbouwd met bewijs."},
        )
        assert response.status_code == 302, text(response)[:3000]
    # A competency that was not chosen does not exist here.
    assert (
        web.get(f"/beoordelingen/{assignment.id}/competenties/solving_problems").status_code == 404
    )

    url = f"/beoordelingen/{assignment.id}/rapport"
    page = follow(
        web, web.post_form(url, {"summary": "Een sterk portfolio.", "action": "finalise"})
    )
    assert "Beoordelingsrapport" in page and "Aangetoond" in page
    assert phase_of(submitted) == Phase.FINAL_INTERVIEW
    assert db.session.scalar(select(AssessmentReport.finalised_at)) is not None

    # The volunteer sees self-rating and verdict side by side, with an SVG and its text.
    volunteer_web = as_user(app, submitted.volunteer)
    page = text(volunteer_web.get(f"/trajecten/{submitted.id}/beoordeling"))
    assert "<svg" in page and "chart-desc" in page and "Een sterk portfolio." in page
    assert "Anna Assessor" in page
    # The trajectory page links to it.
    page = text(volunteer_web.get(f"/trajecten/{submitted.id}"))
    assert f"/trajecten/{submitted.id}/beoordeling" in page

    # After finalising the assessor corrects with a reason; the original stays.
    url = f"/beoordelingen/{assignment.id}/competenties/cooperating/correctie"
    page = follow(
        web,
        web.post_form(
            url,
            {
                "verdict": "not_yet",
                "motivation": "Het bewijs is te dun.",
                "reason": "Verkeerd gelezen bij het bewijs.",
            },
        ),
    )
    assert "Verkeerd gelezen bij het bewijs." in page
    assert db.session.scalar(select(func.count(JudgementCorrection.id))) == 1
    original = db.session.scalar(select(Judgement).where(Judgement.competency_id == "cooperating"))
    assert original.verdict.value == "demonstrated"


def test_return_for_more_evidence_and_resubmit(app, org, coordinator, submitted, assessor):
    assign(app, coordinator, submitted, assessor)
    assignment = db.session.scalar(select(Assignment))
    web = as_user(app, assessor)
    web.post_form(f"/beoordelingen/{assignment.id}/verklaring", {"knows": "no"})
    response = web.post_form(
        f"/beoordelingen/{assignment.id}/controle",
        {"decision": "incomplete", "note-cooperating": "Voeg een verklaring van je team toe."},
    )
    assert response.status_code == 302, text(response)[:3000]
    assert phase_of(submitted) == Phase.RECOGNITION

    volunteer_web = as_user(app, submitted.volunteer)
    page = text(volunteer_web.get(f"/trajecten/{submitted.id}"))
    assert "Voeg een verklaring van je team toe." in page

    # The assessor cannot read the evidence while it is back with the volunteer.
    page = text(web.get(f"/beoordelingen/{assignment.id}"))
    assert "teruggestuurd" in page

    submitted = db.session.get(Trajectory, submitted.id)
    submit_for_assessment(submitted, actor=submitted.volunteer)
    db.session.commit()
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == assessor.id)
    ).all()
    assert any("opnieuw ingediend" in m.subject for m in mail)
    page = text(web.get(f"/beoordelingen/{assignment.id}"))
    assert "Voeg een verklaring van je team toe." in page  # earlier notes stay with them


def test_assessor_who_knows_the_volunteer_declines(app, org, coordinator, submitted, assessor):
    assign(app, coordinator, submitted, assessor)
    assignment = db.session.scalar(select(Assignment))
    web = as_user(app, assessor)
    web.post_form(f"/beoordelingen/{assignment.id}/verklaring", {"knows": "yes"})
    assert db.session.scalar(select(Assignment.status)) == AssignmentStatus.DECLINED
    assert web.get(f"/beoordelingen/{assignment.id}").status_code == 404
    mail = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient_id == coordinator.id)
    )
    assert "andere beoordelaar" in mail.subject
    # And cannot be assigned again.
    response = assign(app, coordinator, submitted, assessor)
    assert response.status_code == 422


def test_blind_assessment_shows_a_pseudonym(app, org, coordinator, submitted, assessor):
    db.session.add(OrganisationSettings(organisation_id=org.id, blind_assessment=True))
    db.session.commit()
    assign(app, coordinator, submitted, assessor)
    assignment = db.session.scalar(select(Assignment))
    web = as_user(app, assessor)
    for url in ("/beoordelingen", f"/beoordelingen/{assignment.id}/verklaring"):
        page = text(web.get(url))
        assert assignment.pseudonym in page
        assert submitted.volunteer.display_name not in page


def test_supervisor_and_other_assessor_cannot_judge(
    app, org, coordinator, submitted, assessor, pool
):
    assign(app, coordinator, submitted, assessor)
    assignment = db.session.scalar(select(Assignment))
    other = factories.user(Role.ASSESSOR, org=pool)
    for person in (other, submitted.supervisor, submitted.volunteer, coordinator):
        web = as_user(app, person)
        assert web.get(f"/beoordelingen/{assignment.id}").status_code == 404
        assert web.get(f"/beoordelingen/{assignment.id}/verklaring").status_code == 404


def test_settings_page_saves(app, org, coordinator):
    web = as_user(app, coordinator)
    response = web.post_form(
        f"/organisaties/{org.id}/instellingen",
        {
            "min_guidance_sessions": "3",
            "recommended_group_meetings": "1",
            "stalled_after_days": "21",
            "blind_assessment": "y",
        },
    )
    assert response.status_code == 302, text(response)[:3000]
    row = db.session.get(OrganisationSettings, org.id)
    assert (row.min_guidance_sessions, row.blind_assessment, row.two_assessors) == (3, True, False)


def test_overview_lists_unassigned_submissions(app, org, coordinator, submitted):
    page = text(as_user(app, coordinator).get(f"/organisaties/{org.id}/beoordelingen"))
    assert submitted.volunteer.display_name in page
    assert f"/trajecten/{submitted.id}/beoordelaar" in page


def test_queue_query_count_is_constant(app, org, coordinator, assessor, evidence, queries):
    web = as_user(app, assessor)
    counts = []
    for n in (1, 3):
        while db.session.scalar(select(func.count(Assignment.id))) < n:
            item = factories.ready_for_submission(org, *CHOSEN, evidence=evidence)
            item.phase = Phase.ASSESSMENT
            db.session.commit()
            from evc.assessment.services import assign_assessor

            assign_assessor(item, assessor, actor=coordinator)
            db.session.commit()
        db.session.remove()  # nothing cached from setting up the data
        with queries() as statements:
            page = text(web.get("/beoordelingen"))
        assert page.count("data-assignment=") == n
        counts.append(len(statements))
    # the login session, its user, the assignments with trajectories and names, the settings
    assert counts == [QUEUE_QUERIES, QUEUE_QUERIES], counts


def test_coordinator_overview_query_count_is_constant(
    app, org, coordinator, assessor, evidence, queries
):
    from evc.assessment.services import assign_assessor

    web = as_user(app, coordinator)
    counts = []
    for n in (1, 4):
        while db.session.scalar(select(func.count(Trajectory.id))) < n:
            item = factories.ready_for_submission(org, *CHOSEN, evidence=evidence)
            item.phase = Phase.ASSESSMENT
            from evc.db import utcnow

            item.submitted_at = utcnow()
            db.session.commit()
            if n > 1:
                assign_assessor(item, assessor, actor=coordinator)
                db.session.commit()
        db.session.remove()  # nothing cached from setting up the data
        with queries() as statements:
            page = text(web.get(f"/organisaties/{org.id}/beoordelingen"))
        assert "Anna Assessor" in page or n == 1
        counts.append(len(statements))
    # session with user, organisation, trajectories with volunteers, assignments with
    # assessors, reports, settings
    assert counts == [7, 7], counts


def test_assessor_reads_evidence_only_while_assessing(app, org, coordinator, submitted, assessor):
    from evc.portfolio.models import EvidenceItem

    item = EvidenceItem(
        trajectory_id=submitted.id,
        kind="story",
        title="Het rooster van de uitgifte",
        description="Ik maakte het rooster.",
        activity_from=submitted.created_at.date(),
        work_context="Voedselbank",
    )
    db.session.add(item)
    db.session.commit()
    assign(app, coordinator, submitted, assessor)
    assignment = db.session.scalar(select(Assignment))
    web = as_user(app, assessor)
    url = f"/beoordelingen/{assignment.id}/bewijs/{item.id}"
    # Before the declaration: nothing of the portfolio.
    assert web.get(url).status_code == 302
    assert web.get(f"/bewijs/{item.id}").status_code == 404
    web.post_form(f"/beoordelingen/{assignment.id}/verklaring", {"knows": "no"})
    page = text(web.get(url))
    assert "Het rooster van de uitgifte" in page
    assert "Reacties" not in page  # the supervisor's dialogue with the volunteer stays theirs
    # The volunteer sees in the access log that the assessor opened it.
    log = text(as_user(app, submitted.volunteer).get(f"/trajecten/{submitted.id}/portfolio/inzage"))
    assert "Anna Assessor" in log
    # Another assessor's assignment cannot be used to reach this evidence.
    other = factories.user(Role.ASSESSOR, org=assessor.memberships[0].organisation)
    assert as_user(app, other).get(url).status_code == 404


def test_two_assessors_judge_apart_and_resolve_differences(
    app, org, coordinator, submitted, assessor, pool
):
    db.session.add(OrganisationSettings(organisation_id=org.id, two_assessors=True))
    db.session.commit()
    second = factories.user(Role.ASSESSOR, org=pool, name="Bob Tweede")
    assign(app, coordinator, submitted, assessor)
    assign(app, coordinator, submitted, second)
    lead, other = db.session.scalars(select(Assignment).order_by(Assignment.position)).all()
    assert (lead.assessor_id, other.assessor_id) == (assessor.id, second.id)
    webs = {}
    for assignment, person, verdict in (
        (lead, assessor, "demonstrated"),
        (other, second, "not_yet"),
    ):
        web = webs[person.id] = as_user(app, person)
        web.post_form(f"/beoordelingen/{assignment.id}/verklaring", {"knows": "no"})
        web.post_form(f"/beoordelingen/{assignment.id}/controle", {"decision": "complete"})
        for competency_id in CHOSEN:
            web.post_form(
                f"/beoordelingen/{assignment.id}/competenties/{competency_id}",
                {**CRITERIA_OK, "verdict": verdict, "motivation": "Mijn eigen afweging hier."},
            )
    # The first assessor sees nothing of the second's judgements before both are done.
    page = text(webs[assessor.id].get(f"/beoordelingen/{lead.id}"))
    assert "Verschillen" not in page
    # Finalising before both are done is refused with a message.
    response = webs[assessor.id].post_form(
        f"/beoordelingen/{lead.id}/rapport", {"summary": "Samen besproken.", "action": "finalise"}
    )
    assert response.status_code == 422 and "Klaar met beoordelen" in text(response)
    for assignment, person in ((lead, assessor), (other, second)):
        webs[person.id].post_form(
            f"/beoordelingen/{assignment.id}/klaar", form_url=f"/beoordelingen/{assignment.id}"
        )
    page = text(webs[assessor.id].get(f"/beoordelingen/{lead.id}"))
    assert "Verschillen tussen de beoordelaars" in page
    # The second assessor may look but not decide.
    url = f"/beoordelingen/{other.id}/verschillen/communicating"
    assert "De eerste beoordelaar legt het gezamenlijke oordeel vast." in text(
        webs[second.id].get(url)
    )
    for competency_id in CHOSEN:
        response = webs[assessor.id].post_form(
            f"/beoordelingen/{lead.id}/verschillen/{competency_id}",
            {"verdict": "not_yet", "reason": "Samen besproken: te weinig variatie."},
        )
        assert response.status_code == 302, text(response)[:3000]
    page = follow(
        webs[assessor.id],
        webs[assessor.id].post_form(
            f"/beoordelingen/{lead.id}/rapport",
            {"summary": "Samen besproken.", "action": "finalise"},
        ),
    )
    assert "Nog niet aangetoond" in page and "gezamenlijk oordeel" in page
    assert phase_of(submitted) == Phase.FINAL_INTERVIEW


def test_a_withdrawn_trajectory_leaves_the_assessors_queue(
    app, org, coordinator, submitted, assessor
):
    assign(app, coordinator, submitted, assessor)
    web = as_user(app, assessor)
    assert submitted.volunteer.display_name in text(web.get("/beoordelingen"))
    assert "nieuw portfolio" in text(web.get("/overzicht"))
    response = as_user(app, coordinator).post_form(
        f"/trajecten/{submitted.id}/stoppen", {"reason": "Verhuisd naar een andere stad."}
    )
    assert response.status_code == 302
    assert submitted.volunteer.display_name not in text(web.get("/beoordelingen"))
    assert "nieuw portfolio" not in text(web.get("/overzicht"))
