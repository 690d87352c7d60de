"""Rules and guards of the procedure, tested on the services that enforce them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from evc.accounts.models import Role
from evc.errors import ConcurrentEdit, DomainError
from evc.mail import OutboxMessage
from evc.procedure import services
from evc.procedure.models import (
    CompetencyChoice,
    GroupAttendance,
    GuidanceSession,
    Intake,
    SelfAssessment,
    Trajectory,
)
from evc.procedure.phases import Phase, unmet_guards
from evc.procedure.progress import load_progress
from evc.procedure.reminders import send_stall_reminders
from tests import factories

TODAY = date.today()


def intake_data(**changes) -> dict:
    data = {
        "held_on": TODAY - timedelta(days=1),
        "goal_kind": "job",
        "goal": "Een baan als gastvrouw.",
        "work_organisation": "Buurthuis",
        "work_tasks": "Koffie schenken",
        "work_since": TODAY - timedelta(days=400),
        "meeting_plan": "Elke week",
        "target_submission_date": TODAY + timedelta(days=30),
    }
    data.update(changes)
    return data


def mails_to(session, person) -> list[OutboxMessage]:
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.recipient_id == person.id))
    )


# --- starting ------------------------------------------------------------------------------


def test_start_records_the_framework_version_and_mails_the_volunteer(org, coordinator, session):
    volunteer = factories.user(Role.VOLUNTEER, org=org)
    supervisor = factories.user(Role.SUPERVISOR, org=org, name="Sam Supervisor")
    item = services.start_trajectory(
        org, volunteer=volunteer, supervisor=supervisor, actor=coordinator
    )
    session.commit()
    assert (item.phase, item.framework_id, item.framework_version) == (
        Phase.INTAKE,
        "evc-a",
        "2026.1",
    )
    [mail] = mails_to(session, volunteer)
    assert "Sam Supervisor" in mail.body and f"/trajecten/{item.id}" in mail.body


def test_a_volunteer_has_at_most_one_active_trajectory(org, coordinator, session):
    volunteer = factories.user(Role.VOLUNTEER, org=org, name="Vik")
    supervisor = factories.user(Role.SUPERVISOR, org=org)
    services.start_trajectory(org, volunteer=volunteer, supervisor=supervisor, actor=coordinator)
    with pytest.raises(DomainError, match="Vik heeft al een lopend traject."):
        services.start_trajectory(
            org, volunteer=volunteer, supervisor=supervisor, actor=coordinator
        )


def test_after_withdrawal_a_new_trajectory_can_start(org, coordinator, session):
    item = factories.trajectory(org)
    services.withdraw(item, "Tijdelijk gestopt", actor=coordinator)
    session.commit()
    volunteer = session.get(type(coordinator), item.volunteer_id)
    supervisor = session.get(type(coordinator), item.supervisor_id)
    again = services.start_trajectory(
        org, volunteer=volunteer, supervisor=supervisor, actor=coordinator
    )
    session.commit()
    assert again.id != item.id and again.phase == Phase.INTAKE


def test_the_database_itself_refuses_a_second_active_trajectory(org, session):
    item = factories.trajectory(org)
    session.add(
        Trajectory(
            organisation_id=org.id,
            volunteer_id=item.volunteer_id,
            supervisor_id=item.supervisor_id,
            phase=Phase.RECOGNITION,
            framework_id="evc-a",
            framework_version="x",
        )
    )
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_volunteer_cannot_be_their_own_supervisor(org, coordinator):
    both = factories.user(Role.VOLUNTEER, Role.SUPERVISOR, org=org)
    with pytest.raises(DomainError, match="niet zijn eigen begeleider"):
        services.start_trajectory(org, volunteer=both, supervisor=both, actor=coordinator)


def test_supervisor_and_volunteer_must_belong_to_the_organisation(org, other_org, coordinator):
    outsider_supervisor = factories.user(Role.SUPERVISOR, org=other_org)
    outsider_volunteer = factories.user(Role.VOLUNTEER, org=other_org)
    volunteer = factories.user(Role.VOLUNTEER, org=org)
    supervisor = factories.user(Role.SUPERVISOR, org=org)
    with pytest.raises(DomainError, match="begeleider van deze organisatie"):
        services.start_trajectory(
            org, volunteer=volunteer, supervisor=outsider_supervisor, actor=coordinator
        )
    with pytest.raises(DomainError, match="vrijwilliger van deze organisatie"):
        services.start_trajectory(
            org, volunteer=outsider_volunteer, supervisor=supervisor, actor=coordinator
        )


# --- guards ---------------------------------------------------------------------------------


def guards(item) -> list[str]:
    item._progress = None
    load_progress([item])
    return unmet_guards(item, Phase.ASSESSMENT)


def test_guards_list_everything_that_is_missing_in_plain_language(org, evidence):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    assert guards(item) == [
        "De begeleider heeft het begingesprek nog niet vastgelegd.",
        "Individuele gesprekken gehouden: 0 van de 2.",
        "Er is nog geen competentie gekozen.",
    ]


def test_guards_name_the_competencies_that_need_work(org, evidence):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.intake(item, confirmed=False)
    factories.sessions(item, 1)
    factories.choose(item, "communicating", "cooperating")
    factories.self_assessment(item, "communicating")
    factories.self_assessment(item, "cooperating", complete=False)
    evidence.add(item, "communicating")
    assert guards(item) == [
        "De vrijwilliger heeft de afspraken van het begingesprek nog niet bevestigd.",
        "Individuele gesprekken gehouden: 1 van de 2.",
        "De zelfbeoordeling is nog niet af voor: Samenwerken.",
        "Er is nog geen bewijs voor: Samenwerken.",
    ]


def test_all_guards_pass_for_a_complete_portfolio(org, evidence):
    item = factories.ready_for_submission(org, "communicating", "cooperating", evidence=evidence)
    assert guards(item) == []


def test_sessions_dated_in_the_future_do_not_count(org, session, evidence):
    item = factories.ready_for_submission(org, evidence=evidence)
    session.query(GuidanceSession).filter_by(trajectory_id=item.id).update(
        {"held_on": TODAY + timedelta(days=3)}
    )
    session.commit()
    assert guards(item) == ["Individuele gesprekken gehouden: 0 van de 2."]


def test_organisation_setting_changes_the_required_sessions(org, session, evidence):
    from evc.procedure.models import OrganisationSettings

    session.add(
        OrganisationSettings(
            organisation_id=org.id,
            min_guidance_sessions=3,
            recommended_group_meetings=2,
            stalled_after_days=30,
        )
    )
    session.commit()
    item = factories.ready_for_submission(org, evidence=evidence)
    assert guards(item) == ["Individuele gesprekken gehouden: 2 van de 3."]


def test_without_a_portfolio_every_competency_lacks_evidence(org):
    """No evidence counter registered (the portfolio is not there): submission stays blocked."""
    item = factories.ready_for_submission(org, "communicating")
    assert guards(item) == ["Er is nog geen bewijs voor: Communiceren."]


def test_too_few_group_meetings_warn_but_do_not_block(org, evidence):
    item = factories.ready_for_submission(org, evidence=evidence)
    load_progress([item])
    assert item.progress.group_meetings_short
    assert guards(item) == []


def test_submission_moves_to_assessment_and_locks_the_self_assessment(org, session, evidence):
    item = factories.ready_for_submission(org, evidence=evidence)
    actor = factories.user()
    services.submit_for_assessment(item, actor=actor)
    session.commit()
    assert item.phase == Phase.ASSESSMENT and item.submitted_at is not None
    with pytest.raises(DomainError, match="alleen nog te lezen"):
        services.save_self_assessment(
            item, "communicating", {"rating": 1}, version_id=1, actor=actor
        )


def test_double_submission_is_refused(org, session, evidence):
    item = factories.ready_for_submission(org, evidence=evidence)
    services.submit_for_assessment(item, actor=factories.user())
    session.commit()
    with pytest.raises(DomainError, match="Deze stap kan nu niet"):
        services.submit_for_assessment(item, actor=factories.user())


# --- intake ---------------------------------------------------------------------------------


def test_recording_the_intake_mails_the_volunteer_once(org, session):
    item = factories.trajectory(org)
    supervisor = factories.user(Role.SUPERVISOR, org=org)
    services.record_intake(item, intake_data(), actor=supervisor)
    session.commit()
    volunteer_id = item.volunteer_id
    assert (
        session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient_id == volunteer_id)
        )
        == 1
    )
    record = session.scalar(select(Intake))
    services.record_intake(
        item, intake_data(goal="Ander doel"), actor=supervisor, version_id=record.version_id
    )
    session.commit()
    assert session.scalar(select(Intake.goal)) == "Ander doel"
    assert (
        session.scalar(
            select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient_id == volunteer_id)
        )
        == 1
    )


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"held_on": TODAY + timedelta(days=1)}, "kan niet in de toekomst liggen"),
        ({"target_submission_date": TODAY - timedelta(days=5)}, "streefdatum mag niet vóór"),
        ({"work_since": TODAY + timedelta(days=2)}, "mag niet in de toekomst liggen"),
    ],
)
def test_bad_intake_dates_are_refused_and_nothing_is_stored(org, session, changes, message):
    item = factories.trajectory(org)
    with pytest.raises(DomainError, match=message):
        services.record_intake(item, intake_data(**changes), actor=factories.user())
    session.rollback()
    assert session.scalar(select(func.count(Intake.id))) == 0


def test_stale_intake_correction_is_refused(org, session):
    item = factories.trajectory(org)
    services.record_intake(item, intake_data(goal="Eerste versie"), actor=factories.user())
    session.commit()
    services.record_intake(
        item, intake_data(goal="Tweede versie"), actor=factories.user(), version_id=1
    )
    session.commit()
    with pytest.raises(ConcurrentEdit):
        services.record_intake(
            item, intake_data(goal="Oude versie"), actor=factories.user(), version_id=1
        )
    session.rollback()
    assert session.scalar(select(Intake.goal)) == "Tweede versie"


def test_confirming_the_intake_starts_recognition_and_mails_the_supervisor(org, session):
    item = factories.trajectory(org)
    services.record_intake(item, intake_data(), actor=factories.user())
    volunteer = session.get(type(factories.user()), item.volunteer_id)
    services.confirm_intake(item, version_id=item.intake.version_id, actor=volunteer)
    session.commit()
    assert item.phase == Phase.RECOGNITION
    supervisor = session.get(type(volunteer), item.supervisor_id)
    assert any("bevestigd" in m.subject for m in mails_to(session, supervisor))
    with pytest.raises(DomainError, match="al bevestigd"):
        services.confirm_intake(item, version_id=item.intake.version_id, actor=volunteer)
    with pytest.raises(DomainError):
        services.record_intake(item, intake_data(), actor=factories.user())


def test_intake_cannot_be_confirmed_before_it_is_recorded(org):
    item = factories.trajectory(org)
    with pytest.raises(DomainError, match="nog geen begingesprek"):
        services.confirm_intake(item, version_id=None, actor=factories.user())


# --- meetings -------------------------------------------------------------------------------


def test_guidance_session_rules(org, session):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    actor = factories.user()
    with pytest.raises(DomainError, match="toekomst"):
        services.log_guidance_session(
            item,
            held_on=TODAY + timedelta(days=1),
            topics="x",
            shared_notes="",
            private_notes="",
            actor=actor,
        )
    with pytest.raises(DomainError, match="waarover"):
        services.log_guidance_session(
            item, held_on=TODAY, topics="  ", shared_notes="", private_notes="", actor=actor
        )
    services.log_guidance_session(
        item, held_on=TODAY, topics="Start", shared_notes="", private_notes="", actor=actor
    )
    session.commit()
    load_progress([item])
    assert item.progress.sessions_held == 1
    submitted = factories.trajectory(org, phase=Phase.ASSESSMENT)
    with pytest.raises(DomainError, match="tot het portfolio is ingediend"):
        services.log_guidance_session(
            submitted, held_on=TODAY, topics="x", shared_notes="", private_notes="", actor=actor
        )


def test_group_meeting_counts_only_those_present(org, session):
    first = factories.trajectory(org, phase=Phase.RECOGNITION)
    second = factories.trajectory(org, phase=Phase.INTAKE)
    services.log_group_meeting(
        org,
        held_on=TODAY,
        topic="Kennismaking",
        attendance={first.id: True, second.id: False},
        trajectories=[first, second],
        actor=factories.user(),
    )
    session.commit()
    load_progress([first, second])
    assert (first.progress.group_meetings_attended, second.progress.group_meetings_attended) == (
        1,
        0,
    )
    assert session.scalar(select(func.count(GroupAttendance.id))) == 2


def test_group_meeting_refuses_trajectories_one_may_not_record_for(org, other_org, session):
    mine = factories.trajectory(org, phase=Phase.RECOGNITION)
    foreign = factories.trajectory(other_org, phase=Phase.RECOGNITION)
    with pytest.raises(DomainError, match="hoort niet \\(meer\\) bij deze lijst"):
        services.log_group_meeting(
            org,
            held_on=TODAY,
            topic="x",
            attendance={mine.id: True, foreign.id: True},
            trajectories=[mine, foreign],
            actor=factories.user(),
        )


# --- competencies and self-assessment ---------------------------------------------------------


def test_choosing_competencies(org, session):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    actor = factories.user()
    with pytest.raises(DomainError, match="minstens één"):
        services.choose_competencies(item, [], actor=actor)
    with pytest.raises(DomainError, match="uit de lijst"):
        services.choose_competencies(item, ["communicating", "juggling"], actor=actor)
    services.choose_competencies(item, ["communicating", "cooperating"], actor=actor)
    session.commit()
    factories.self_assessment(item, "cooperating")
    services.choose_competencies(item, ["communicating"], actor=actor)
    session.commit()
    assert set(session.scalars(select(CompetencyChoice.competency_id))) == {"communicating"}
    # the written self-assessment of the competency that was dropped is kept
    assert session.scalar(select(func.count(SelfAssessment.id))) == 1


def test_competencies_are_chosen_only_in_recognition(org):
    item = factories.trajectory(org, phase=Phase.INTAKE)
    with pytest.raises(DomainError, match="fase herkennen"):
        services.choose_competencies(item, ["communicating"], actor=factories.user())


def test_self_assessment_draft_then_complete(org, session):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.choose(item, "communicating")
    actor = factories.user()
    draft = services.save_self_assessment(
        item, "communicating", {"situation": "Begin"}, version_id=None, actor=actor
    )
    session.commit()
    assert not draft.is_complete and draft.rating is None
    done = services.save_self_assessment(
        item,
        "communicating",
        {"rating": 4, **factories.STARR},
        version_id=draft.version_id,
        actor=actor,
    )
    session.commit()
    assert done.is_complete and done.version_id == 2


@pytest.mark.parametrize("rating", [0, 5, -1])
def test_rating_outside_the_scale_is_refused(org, session, rating):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.choose(item, "communicating")
    with pytest.raises(DomainError, match="waarde op de schaal"):
        services.save_self_assessment(
            item, "communicating", {"rating": rating}, version_id=None, actor=factories.user()
        )
    session.rollback()
    assert session.scalar(select(func.count(SelfAssessment.id))) == 0


def test_self_assessment_only_for_chosen_competencies(org):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.choose(item, "communicating")
    with pytest.raises(DomainError, match="eerst"):
        services.save_self_assessment(
            item, "cooperating", {"rating": 2}, version_id=None, actor=factories.user()
        )


def test_stale_self_assessment_save_is_refused_and_keeps_the_other_text(org, session):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    factories.choose(item, "communicating")
    record = factories.self_assessment(item, "communicating", rating=2)
    loaded_version = record.version_id
    services.save_self_assessment(
        item,
        "communicating",
        {"rating": 3, "situation": "Begeleider"},
        version_id=loaded_version,
        actor=factories.user(),
    )
    session.commit()
    with pytest.raises(ConcurrentEdit, match="Iemand anders"):
        services.save_self_assessment(
            item,
            "communicating",
            {"rating": 1, "situation": "Vrijwilliger"},
            version_id=loaded_version,
            actor=factories.user(),
        )
    session.rollback()
    assert session.scalar(select(SelfAssessment.situation)) == "Begeleider"


# --- reminders and progress queries ----------------------------------------------------------


def test_stalled_trajectories_are_mailed_to_their_supervisor_once_a_week(org, session, app):
    from evc.db import utcnow

    supervisor = factories.user(Role.SUPERVISOR, org=org, name="Bram")
    stalled = factories.trajectory(org, supervisor=supervisor)
    also_stalled = factories.trajectory(org, supervisor=supervisor, phase=Phase.RECOGNITION)
    factories.trajectory(org, supervisor=supervisor)  # active recently
    done = factories.trajectory(org, supervisor=supervisor, phase=Phase.COMPLETED)
    for item in (stalled, also_stalled, done):
        item.last_activity_at = utcnow() - timedelta(days=45)
    session.commit()
    assert send_stall_reminders() == 1
    session.commit()
    [mail] = mails_to(session, supervisor)
    assert mail.body.count("/trajecten/") == 2
    assert "45 dagen geen activiteit" in mail.body
    assert send_stall_reminders() == 0  # not again the next day
    assert send_stall_reminders(now=utcnow() + timedelta(days=8)) == 1


def test_send_reminders_command(app, org, session):
    from evc.db import utcnow

    item = factories.trajectory(org)
    item.last_activity_at = utcnow() - timedelta(days=31)
    session.commit()
    result = app.test_cli_runner().invoke(args=["evc", "send-reminders"])
    assert result.exit_code == 0 and "1 reminder(s) queued." in result.output


@pytest.mark.parametrize("count", [1, 3])
def test_progress_of_many_trajectories_costs_a_fixed_number_of_queries(
    org, queries, evidence, count
):
    items = [factories.ready_for_submission(org, evidence=evidence) for _ in range(count)]
    with queries() as statements:
        load_progress(items)
        for item in items:
            unmet_guards(item, Phase.ASSESSMENT)
            _ = item.progress.incomplete_self_assessments
    assert len(statements) == 6, statements
