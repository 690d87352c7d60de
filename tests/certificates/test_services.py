"""The final interview and the development plan: rules, versions, confirmations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from evc.certificates import services
from evc.certificates.models import DevelopmentPlanVersion, FinalInterview
from evc.errors import ConcurrentEdit
from evc.extensions import db
from evc.procedure.phases import Phase
from tests.assessment import actions, count, refusal
from tests.certificates.conftest import ADVICE, INTERVIEW, agree_plan, goal, next_request


def test_interview_is_recorded_and_corrected_with_its_version(assessed, supervisor):
    services.record_final_interview(assessed, dict(INTERVIEW), version_id=None, actor=supervisor)
    next_request()
    interview = services.final_interview_of(assessed)
    changed = dict(INTERVIEW, discussed="Ook de volgende stappen.")
    services.record_final_interview(
        assessed, changed, version_id=interview.version_id, actor=supervisor
    )
    next_request()
    assert services.final_interview_of(assessed).discussed == "Ook de volgende stappen."
    assert actions()[-2:] == ["final_interview.recorded", "final_interview.changed"]


def test_interview_with_a_stale_version_is_refused(assessed, supervisor):
    services.record_final_interview(assessed, dict(INTERVIEW), version_id=None, actor=supervisor)
    next_request()
    with pytest.raises(ConcurrentEdit):
        services.record_final_interview(
            assessed, dict(INTERVIEW), version_id=None, actor=supervisor
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"held_on": date.today() + timedelta(days=1)}, "toekomst"),
        ({"discussed": "  "}, "bespraken"),
        ({"volunteer_reaction": ""}, "reageerde"),
    ],
)
def test_bad_interview_is_refused_and_writes_nothing(assessed, supervisor, change, message):
    assert message in refusal(
        services.record_final_interview,
        assessed,
        dict(INTERVIEW, **change),
        version_id=None,
        actor=supervisor,
    )
    assert count(FinalInterview) == 0


def test_interview_outside_the_final_interview_phase_is_refused(assessed, supervisor):
    assessed.phase = Phase.ASSESSMENT
    assert "fase eindgesprek" in refusal(
        services.record_final_interview,
        assessed,
        dict(INTERVIEW),
        version_id=None,
        actor=supervisor,
    )


def test_plan_is_prefilled_with_advice_for_competencies_not_yet_demonstrated(assessed):
    goals = services.prefilled_goals(assessed)
    assert [(g["competency_id"], g["actions"]) for g in goals] == [("cooperating", ADVICE)]


@pytest.mark.parametrize(
    "row, message",
    [
        (goal(goal="   "), "wat het doel is"),
        (goal(target_date=date.today() - timedelta(days=1)), "verleden"),
        (goal(competency_id="presenting"), "competentie van dit traject"),
    ],
)
def test_bad_goal_is_refused_and_writes_nothing(assessed, supervisor, row, message):
    assert message in refusal(
        services.save_plan, assessed, [row], version_id=None, actor=supervisor
    )
    assert count(DevelopmentPlanVersion) == 0


def test_a_plan_without_goals_is_refused(assessed, supervisor):
    empty = {"goal": "", "actions": "", "support": "", "support_from": "", "target_date": None}
    assert "minstens één doel" in refusal(
        services.save_plan, assessed, [empty], version_id=None, actor=supervisor
    )


def test_a_draft_is_updated_in_place_until_someone_confirms(assessed, supervisor):
    plan = services.save_plan(assessed, [goal()], version_id=None, actor=supervisor)
    next_request()
    again = services.save_plan(
        assessed, [goal(goal="Anders")], version_id=plan.version_id, actor=supervisor
    )
    next_request()
    assert again.id == plan.id and again.number == 1
    assert count(DevelopmentPlanVersion) == 1


def test_a_change_after_confirmation_is_a_new_version_to_confirm_again(
    assessed, supervisor, volunteer
):
    first = agree_plan(assessed, supervisor, volunteer)
    current = services.current_plan(assessed)
    second = services.save_plan(
        assessed, [goal(goal="Nieuw doel")], version_id=current.version_id, actor=supervisor
    )
    next_request()
    assert second.number == 2 and not second.is_agreed
    kept = db.session.get(DevelopmentPlanVersion, first.id)
    assert kept.is_agreed and kept.goals[0]["goal"] == "Beter samenwerken in het team"


def test_confirming_an_older_version_is_refused(assessed, supervisor, volunteer):
    plan = services.save_plan(assessed, [goal()], version_id=None, actor=supervisor)
    next_request()
    assert "net aangepast" in refusal(
        services.confirm_plan, assessed, number=plan.number + 1, actor=volunteer
    )


def test_each_person_confirms_once_and_others_cannot(assessed, supervisor, volunteer, coordinator):
    plan = services.save_plan(assessed, [goal()], version_id=None, actor=supervisor)
    next_request()
    services.confirm_plan(assessed, number=plan.number, actor=volunteer)
    next_request()
    assert "al bevestigd" in refusal(
        services.confirm_plan, assessed, number=plan.number, actor=volunteer
    )
    assert "Alleen de vrijwilliger en de begeleider" in refusal(
        services.confirm_plan, assessed, number=plan.number, actor=coordinator
    )
    stored = db.session.scalar(select(DevelopmentPlanVersion))
    assert stored.volunteer_confirmed_at is not None and stored.supervisor_confirmed_at is None
