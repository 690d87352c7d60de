"""Progress of trajectories, loaded in bulk: a fixed number of queries for any number of them.

Lists (supervisor, coordinator) and the phase guards read the same numbers from here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import get_locale
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from evc.extensions import db
from evc.framework import current_framework
from evc.procedure.evidence import evidence_counts
from evc.procedure.models import (
    CompetencyChoice,
    GroupAttendance,
    GuidanceSession,
    Intake,
    OrganisationSettings,
    SelfAssessment,
    Trajectory,
)
from evc.procedure.settings import settings_for


@dataclass
class Progress:
    sessions_held: int = 0
    sessions_required: int = 2
    group_meetings_attended: int = 0
    group_meetings_recommended: int = 2
    stalled_after_days: int = 30
    chosen: tuple[str, ...] = ()
    self_assessments: dict[str, SelfAssessment] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)

    @property
    def rated(self) -> int:
        return sum(1 for c in self.chosen if self._rating(c) is not None)

    @property
    def complete(self) -> int:
        return sum(1 for c in self.chosen if self._is_complete(c))

    @property
    def evidence_total(self) -> int:
        return sum(self.evidence.get(c, 0) for c in self.chosen)

    @property
    def incomplete_self_assessments(self) -> list[str]:
        return competency_names(c for c in self.chosen if not self._is_complete(c))

    @property
    def competencies_without_evidence(self) -> list[str]:
        return competency_names(c for c in self.chosen if not self.evidence.get(c))

    @property
    def group_meetings_short(self) -> bool:
        return self.group_meetings_attended < self.group_meetings_recommended

    def _rating(self, competency_id: str):
        assessment = self.self_assessments.get(competency_id)
        return assessment.rating if assessment else None

    def _is_complete(self, competency_id: str) -> bool:
        assessment = self.self_assessments.get(competency_id)
        return bool(assessment and assessment.is_complete)


def competency_names(competency_ids) -> list[str]:
    framework = current_framework()
    language = str(get_locale() or "nl")
    return [framework.competency(c).name(language) for c in competency_ids]


def load_progress(trajectories) -> None:
    """Attach ``_progress`` (and the intake) to each trajectory with seven queries in total."""
    trajectories = list(trajectories)
    if not trajectories:
        return
    ids = [t.id for t in trajectories]
    counts = _Counts.load(ids)
    intakes = _intakes(ids)
    settings = settings_for({t.organisation_id for t in trajectories})
    for trajectory in trajectories:
        trajectory._progress = counts.progress_of(trajectory, settings[trajectory.organisation_id])
        # Fill the relationship from what was loaded, so templates do not query per row.
        set_committed_value(trajectory, "intake", intakes.get(trajectory.id))


@dataclass
class _Counts:
    """What the progress of some trajectories is made of, per trajectory id."""

    sessions: dict[int, int]
    attended: dict[int, int]
    chosen: dict[int, tuple[str, ...]]
    assessments: dict[int, dict[str, SelfAssessment]]
    evidence: dict[int, dict[str, int]]

    @classmethod
    def load(cls, ids: list[int]) -> _Counts:
        return cls(
            sessions=_sessions_held(ids),
            attended=_meetings_attended(ids),
            chosen=_chosen(ids),
            assessments=_self_assessments(ids),
            evidence=evidence_counts(ids),
        )

    def progress_of(self, trajectory: Trajectory, setting: OrganisationSettings) -> Progress:
        key = trajectory.id
        return Progress(
            sessions_held=self.sessions.get(key, 0),
            sessions_required=setting.min_guidance_sessions,
            group_meetings_attended=self.attended.get(key, 0),
            group_meetings_recommended=setting.recommended_group_meetings,
            stalled_after_days=setting.stalled_after_days,
            chosen=self.chosen.get(key, ()),
            self_assessments=self.assessments.get(key, {}),
            evidence=self.evidence.get(key, {}),
        )


def _sessions_held(ids: list[int]) -> dict[int, int]:
    """Guidance sessions held so far (none in the future), per trajectory."""
    return dict(
        db.session.execute(
            select(GuidanceSession.trajectory_id, func.count(GuidanceSession.id))
            .where(GuidanceSession.trajectory_id.in_(ids), GuidanceSession.held_on <= date.today())
            .group_by(GuidanceSession.trajectory_id)
        ).all()
    )


def _meetings_attended(ids: list[int]) -> dict[int, int]:
    """Group meetings the volunteer was present at, per trajectory."""
    return dict(
        db.session.execute(
            select(GroupAttendance.trajectory_id, func.count(GroupAttendance.id))
            .where(GroupAttendance.trajectory_id.in_(ids), GroupAttendance.present.is_(True))
            .group_by(GroupAttendance.trajectory_id)
        ).all()
    )


def _chosen(ids: list[int]) -> dict[int, tuple[str, ...]]:
    """The chosen competencies per trajectory, in the order of the framework."""
    chosen: dict[int, list[str]] = defaultdict(list)
    for trajectory_id, competency_id in db.session.execute(
        select(CompetencyChoice.trajectory_id, CompetencyChoice.competency_id).where(
            CompetencyChoice.trajectory_id.in_(ids)
        )
    ):
        chosen[trajectory_id].append(competency_id)
    order = {cid: n for n, cid in enumerate(current_framework().competency_ids)}
    return {
        key: tuple(sorted(cids, key=lambda c: order.get(c, 99))) for key, cids in chosen.items()
    }


def _self_assessments(ids: list[int]) -> dict[int, dict[str, SelfAssessment]]:
    assessments: dict[int, dict[str, SelfAssessment]] = defaultdict(dict)
    for row in db.session.scalars(
        select(SelfAssessment).where(SelfAssessment.trajectory_id.in_(ids))
    ):
        assessments[row.trajectory_id][row.competency_id] = row
    return assessments


def _intakes(ids: list[int]) -> dict[int, Intake]:
    return {
        row.trajectory_id: row
        for row in db.session.scalars(select(Intake).where(Intake.trajectory_id.in_(ids)))
    }


Trajectory.load_progress = staticmethod(load_progress)
