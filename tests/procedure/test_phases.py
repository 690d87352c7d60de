"""The phase table: every allowed move works (when its guards pass), every other move is refused."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from sqlalchemy import func, select

from evc.assessment.models import AssessmentReport
from evc.audit import AuditEntry
from evc.certificates.models import DevelopmentPlanVersion, FinalInterview
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.procedure.models import PhaseChange
from evc.procedure.phases import TRANSITIONS, Phase
from evc.procedure.services import advance_phase
from tests import factories

ALL_PAIRS = [(a, b) for a, b in itertools.product(Phase, Phase) if a != b]
ALLOWED = sorted(TRANSITIONS, key=lambda pair: (pair[0].value, pair[1].value))
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def test_the_table_holds_the_procedure():
    assert set(TRANSITIONS) == {
        (Phase.INTAKE, Phase.RECOGNITION),
        (Phase.RECOGNITION, Phase.ASSESSMENT),
        (Phase.ASSESSMENT, Phase.RECOGNITION),
        (Phase.ASSESSMENT, Phase.FINAL_INTERVIEW),
        (Phase.FINAL_INTERVIEW, Phase.COMPLETED),
        (Phase.INTAKE, Phase.WITHDRAWN),
        (Phase.RECOGNITION, Phase.WITHDRAWN),
        (Phase.ASSESSMENT, Phase.WITHDRAWN),
        (Phase.FINAL_INTERVIEW, Phase.WITHDRAWN),
    }


def _satisfy_guards(item, evidence) -> None:
    factories.intake(item)
    factories.sessions(item, 2)
    factories.choose(item, "communicating")
    factories.self_assessment(item, "communicating")
    evidence.add(item, "communicating")
    # The assessor's final report (what the final interview needs).
    db.session.add(AssessmentReport(trajectory_id=item.id, summary="Klaar.", finalised_at=utcnow()))
    # The final interview and the development plan both agreed (what completion needs).
    db.session.add(
        FinalInterview(
            trajectory_id=item.id,
            held_on=date.today(),
            discussed="Het rapport.",
            volunteer_reaction="Blij.",
        )
    )
    db.session.add(
        DevelopmentPlanVersion(
            trajectory_id=item.id,
            number=1,
            goals=[{"goal": "Verder leren"}],
            volunteer_confirmed_at=utcnow(),
            supervisor_confirmed_at=utcnow(),
        )
    )
    db.session.commit()


def test_completion_waits_for_the_final_interview_and_the_agreed_plan(org, session, evidence):
    item = factories.trajectory(org, phase=Phase.FINAL_INTERVIEW)
    with pytest.raises(DomainError) as refused:
        advance_phase(item, Phase.COMPLETED, actor=factories.user())
    assert "eindgesprek is nog niet vastgelegd" in str(refused.value)
    assert "plan nog niet bevestigd" in str(refused.value)


def test_final_interview_waits_for_the_final_report(org, session, evidence):
    item = factories.trajectory(org, phase=Phase.ASSESSMENT)
    with pytest.raises(DomainError, match="beoordelingsrapport is nog niet definitief"):
        advance_phase(item, Phase.FINAL_INTERVIEW, actor=factories.user())


@pytest.mark.parametrize("source, target", ALLOWED, ids=lambda p: p.value)
def test_allowed_move_changes_the_phase_and_records_it(org, session, evidence, source, target):
    item = factories.trajectory(org, phase=source)
    _satisfy_guards(item, evidence)
    actor = factories.user()
    advance_phase(item, target, actor=actor, reason="Omdat het moet")
    session.commit()
    assert item.phase == target
    change = session.scalar(select(PhaseChange).where(PhaseChange.trajectory_id == item.id))
    assert (change.from_phase, change.to_phase, change.actor_id) == (source, target, actor.id)
    audit = session.scalar(
        select(AuditEntry).where(AuditEntry.action == "trajectory.phase_changed")
    )
    assert audit.details == {"from_phase": source.value, "to_phase": target.value}
    assert audit.actor_id == actor.id


@pytest.mark.parametrize("source, target", FORBIDDEN, ids=lambda p: p.value)
def test_forbidden_move_is_refused_and_changes_nothing(org, session, evidence, source, target):
    item = factories.trajectory(org, phase=source)
    _satisfy_guards(item, evidence)
    with pytest.raises(DomainError, match="Deze stap kan nu niet"):
        advance_phase(item, target, actor=factories.user(), reason="Omdat het moet")
    session.rollback()
    session.refresh(item)
    assert item.phase == source
    assert session.scalar(select(func.count(PhaseChange.id))) == 0


@pytest.mark.parametrize(
    "source, target",
    [pair for pair, move in TRANSITIONS.items() if move.reason_required],
    ids=lambda p: p.value,
)
def test_moves_that_need_a_reason_refuse_an_empty_one(org, session, source, target):
    item = factories.trajectory(org, phase=source)
    with pytest.raises(DomainError, match="Geef een reden op."):
        advance_phase(item, target, actor=factories.user(), reason="   ")
    session.rollback()
    session.refresh(item)
    assert item.phase == source


def test_the_reason_is_kept_with_the_change(org, session):
    item = factories.trajectory(org, phase=Phase.RECOGNITION)
    advance_phase(item, Phase.WITHDRAWN, actor=factories.user(), reason="Verhuisd")
    session.commit()
    assert session.scalar(select(PhaseChange.reason)) == "Verhuisd"
    assert item.closed_at is not None


def test_phase_is_assigned_only_by_advance_phase():
    """No other code in the package assigns ``.phase``."""
    from pathlib import Path

    from evc.config import ROOT

    offenders = []
    for path in Path(ROOT, "evc").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            if ".phase = " in line and "trajectory.phase = target" not in line:
                offenders.append(f"{path.name}:{number}")
    assert offenders == []
