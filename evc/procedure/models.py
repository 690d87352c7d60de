"""Trajectory records: one run of EVC-A for one volunteer, and what happens in it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evc.accounts.models import Organisation, User, enum_column
from evc.db import Base, TimestampMixin, UTCDateTime, VersionMixin, utcnow
from evc.procedure.phases import ACTIVE_PHASES, Phase

if TYPE_CHECKING:
    from evc.procedure.progress import Progress

_ACTIVE_SQL = "phase IN (" + ", ".join(f"'{p.value}'" for p in ACTIVE_PHASES) + ")"


class Trajectory(VersionMixin, TimestampMixin, Base):
    __tablename__ = "trajectory"
    __table_args__ = (
        # A volunteer has at most one active trajectory, also under concurrent requests.
        Index(
            "uq_trajectory_one_active_per_volunteer",
            "volunteer_id",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_trajectory_org_phase", "organisation_id", "phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    phase: Mapped[Phase] = mapped_column(enum_column(Phase), default=Phase.INTAKE)
    framework_id: Mapped[str] = mapped_column(String(40))
    framework_version: Mapped[str] = mapped_column(String(40))
    started_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # When the supervisor was last reminded that this trajectory stalls (not more than weekly).
    stall_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    supervisor: Mapped[User] = relationship(foreign_keys=[supervisor_id])
    intake: Mapped[Intake | None] = relationship(back_populates="trajectory", uselist=False)

    if TYPE_CHECKING:
        _progress: Progress | None  # set by load_progress(); None when the counts changed

    @property
    def is_active(self) -> bool:
        return self.phase in ACTIVE_PHASES

    # Set by ``evc.procedure.progress`` (imported with this package), which reads the models.
    load_progress: ClassVar[Callable[[list[Trajectory]], None]]

    @property
    def progress(self):
        """Counts for guards and lists; loaded in bulk by ``load_progress`` where possible."""
        if getattr(self, "_progress", None) is None:
            Trajectory.load_progress([self])
        return self._progress


class PhaseChange(Base):
    """Every phase change with who made it and why (the audit log has a row too)."""

    __tablename__ = "phase_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    from_phase: Mapped[Phase] = mapped_column(enum_column(Phase, name="from_phase"))
    to_phase: Mapped[Phase] = mapped_column(enum_column(Phase, name="to_phase"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    actor: Mapped[User | None] = relationship()


class GoalKind(enum.StrEnum):
    SELF_INSIGHT = "self_insight"
    JOB = "job"
    COURSE = "course"
    OTHER = "other"


class Intake(VersionMixin, TimestampMixin, Base):
    """The begingesprek: the volunteer's goal, the work it draws on and the agreements."""

    __tablename__ = "intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), unique=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    goal_kind: Mapped[GoalKind] = mapped_column(enum_column(GoalKind))
    goal: Mapped[str] = mapped_column(Text)
    work_organisation: Mapped[str] = mapped_column(String(200))
    work_tasks: Mapped[str] = mapped_column(Text)
    work_since: Mapped[date | None] = mapped_column(Date)
    meeting_plan: Mapped[str] = mapped_column(Text)
    target_submission_date: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trajectory: Mapped[Trajectory] = relationship(back_populates="intake")


class GuidanceSession(TimestampMixin, Base):
    """An individual guidance session. ``private_notes`` are for the supervisor only."""

    __tablename__ = "guidance_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    held_on: Mapped[date] = mapped_column(Date)
    topics: Mapped[str] = mapped_column(Text)
    shared_notes: Mapped[str] = mapped_column(Text, default="")
    private_notes: Mapped[str] = mapped_column(Text, default="")


class GroupMeeting(TimestampMixin, Base):
    """A group meeting (introduction to EVC-A) with attendance per volunteer."""

    __tablename__ = "group_meeting"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    supervisor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))

    attendances: Mapped[list[GroupAttendance]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )


class GroupAttendance(Base):
    __tablename__ = "group_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "trajectory_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("group_meeting.id", ondelete="CASCADE"))
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    present: Mapped[bool] = mapped_column(Boolean)

    meeting: Mapped[GroupMeeting] = relationship(back_populates="attendances")


class CompetencyChoice(TimestampMixin, Base):
    """A competency (by stable framework id) the volunteer chose to work on."""

    __tablename__ = "competency_choice"
    __table_args__ = (UniqueConstraint("trajectory_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("trajectory.id", ondelete="CASCADE"))
    competency_id: Mapped[str] = mapped_column(String(64))


STARR_FIELDS = ("situation", "task", "action", "result", "reflection")


class SelfAssessment(VersionMixin, TimestampMixin, Base):
    """The volunteer's own rating and STARR example for one competency (kept apart from any
    assessor's verdict). Saved as a draft until complete; read-only after submission."""

    __tablename__ = "self_assessment"
    __table_args__ = (UniqueConstraint("trajectory_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("trajectory.id", ondelete="CASCADE"))
    competency_id: Mapped[str] = mapped_column(String(64))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    situation: Mapped[str] = mapped_column(Text, default="")
    task: Mapped[str] = mapped_column(Text, default="")
    action: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    reflection: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    @property
    def is_complete(self) -> bool:
        return self.rating is not None and all(getattr(self, f).strip() for f in STARR_FIELDS)


# The settings an organisation has before it changes any (written once: the columns, the
# readers in ``evc.procedure.settings`` and the settings form take them from here).
DEFAULTS = {
    "min_guidance_sessions": 2,
    "recommended_group_meetings": 2,
    "stalled_after_days": 30,
    "allow_internal_assessor": False,
    "blind_assessment": False,
    "two_assessors": False,
    "share_reports_with_case_managers": False,
}


class OrganisationSettings(Base):
    """Per-organisation defaults of the procedure (design choices kept as data)."""

    __tablename__ = "organisation_settings"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    min_guidance_sessions: Mapped[int] = mapped_column(
        Integer, default=DEFAULTS["min_guidance_sessions"]
    )
    recommended_group_meetings: Mapped[int] = mapped_column(
        Integer, default=DEFAULTS["recommended_group_meetings"]
    )
    stalled_after_days: Mapped[int] = mapped_column(Integer, default=DEFAULTS["stalled_after_days"])
    # Assessment: assessors from the organisation itself (with a written reason each time),
    # a pseudonym instead of the volunteer's name, and two assessors who judge independently.
    allow_internal_assessor: Mapped[bool] = mapped_column(
        Boolean, default=DEFAULTS["allow_internal_assessor"], server_default=text("false")
    )
    blind_assessment: Mapped[bool] = mapped_column(
        Boolean, default=DEFAULTS["blind_assessment"], server_default=text("false")
    )
    two_assessors: Mapped[bool] = mapped_column(
        Boolean, default=DEFAULTS["two_assessors"], server_default=text("false")
    )
    # Participation: klantmanagers of the agreement's municipality read its reports.
    share_reports_with_case_managers: Mapped[bool] = mapped_column(
        Boolean,
        default=DEFAULTS["share_reports_with_case_managers"],
        server_default=text("false"),
    )
