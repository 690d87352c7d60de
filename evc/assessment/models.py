"""The independent assessment of a submitted portfolio: who assesses, what they declared,
what they found missing, their verdict per competency, the report and later corrections.

Judgements are the assessor's own: a second assessor writes into their own assignment and never
sees the first one's until both are done. After the report is final nothing here is updated;
a correction is a new ``JudgementCorrection`` row (``guard_finalised`` refuses updates at flush).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from evc.accounts.models import User, enum_column
from evc.db import Base, TimestampMixin, UTCDateTime, VersionMixin, utcnow
from evc.procedure.models import Trajectory


class AssignmentStatus(enum.StrEnum):
    ASSIGNED = "assigned"  # waiting for the assessor's declaration
    ACTIVE = "active"  # declared: checking and judging
    JUDGED = "judged"  # (two assessors) own judgements done, waiting for the other
    FINALISED = "finalised"  # the report is final
    DECLINED = "declined"  # the assessor knows the volunteer (or another conflict)
    WITHDRAWN = "withdrawn"  # taken back by the coordinator


OPEN_STATUSES = (AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED)
_OPEN_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in OPEN_STATUSES) + ")"


class Verdict(enum.StrEnum):
    DEMONSTRATED = "demonstrated"  # aangetoond
    NOT_YET = "not_yet"  # nog niet aangetoond


# VRAAK: the criteria evidence is judged by, in this order.
CRITERIA = ("variation", "relevance", "authenticity", "currency", "quantity")


class Assignment(VersionMixin, TimestampMixin, Base):
    """One assessor on one trajectory. ``position`` 1 is the lead, 2 the second assessor."""

    __tablename__ = "assessment_assignment"
    __table_args__ = (
        # One open assignment per position, also under concurrent requests.
        Index(
            "uq_assessment_assignment_open_position",
            "trajectory_id",
            "position",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_assessment_assignment_assessor_status", "assessor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    assessor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    position: Mapped[int] = mapped_column(SmallInteger, default=1)
    status: Mapped[AssignmentStatus] = mapped_column(
        enum_column(AssignmentStatus), default=AssignmentStatus.ASSIGNED
    )
    # Shown instead of the volunteer's name when the organisation assesses blind.
    pseudonym: Mapped[str] = mapped_column(String(20))
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # Why an assessor from the volunteer's own organisation (only when the setting allows it).
    internal_justification: Mapped[str | None] = mapped_column(Text)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # Step 1: the assessor found the portfolio complete (cleared when it is returned).
    completeness_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    judged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    trajectory: Mapped[Trajectory] = relationship()
    assessor: Mapped[User] = relationship(foreign_keys=[assessor_id])
    judgements: Mapped[list[Judgement]] = relationship(
        back_populates="assignment", order_by="Judgement.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class AssessmentReturn(Base):
    """The assessor sent the portfolio back: what is missing, per competency."""

    __tablename__ = "assessment_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_assignment.id", ondelete="CASCADE"), index=True
    )
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    general_note: Mapped[str] = mapped_column(Text, default="")
    # {competency id: what is missing}
    notes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Judgement(VersionMixin, TimestampMixin, Base):
    """An assessor's verdict on one chosen competency, with the VRAAK criteria."""

    __tablename__ = "judgement"
    __table_args__ = (UniqueConstraint("assignment_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment_assignment.id", ondelete="CASCADE")
    )
    competency_id: Mapped[str] = mapped_column(String(64))
    # {criterion: {"sufficient": bool, "note": str}} for each of CRITERIA
    criteria: Mapped[dict] = mapped_column(JSON, default=dict)
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))
    motivation: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text, default="")

    assignment: Mapped[Assignment] = relationship(back_populates="judgements")
    corrections: Mapped[list[JudgementCorrection]] = relationship(
        back_populates="judgement", order_by="JudgementCorrection.id"
    )


class Resolution(TimestampMixin, Base):
    """Two assessors differed on a competency: the verdict they agreed on and why."""

    __tablename__ = "assessment_resolution"
    __table_args__ = (UniqueConstraint("trajectory_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("trajectory.id", ondelete="CASCADE"))
    competency_id: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))
    reason: Mapped[str] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class AssessmentReport(VersionMixin, TimestampMixin, Base):
    """The written report (step 3). Final once ``finalised_at`` is set."""

    __tablename__ = "assessment_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), unique=True
    )
    summary: Mapped[str] = mapped_column(Text, default="")
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finalised_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    trajectory: Mapped[Trajectory] = relationship()
    finalised_by: Mapped[User | None] = relationship()


class JudgementCorrection(Base):
    """A correction after the report was final: a new record with a reason, never an edit."""

    __tablename__ = "judgement_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    judgement_id: Mapped[int] = mapped_column(
        ForeignKey("judgement.id", ondelete="CASCADE"), index=True
    )
    verdict: Mapped[Verdict] = mapped_column(enum_column(Verdict))
    motivation: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text)
    corrected_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    judgement: Mapped[Judgement] = relationship(back_populates="corrections")
    corrected_by: Mapped[User | None] = relationship()


class FinalisedRecord(RuntimeError):
    """Code tried to change a judgement or report after the report was final."""


def _final(obj) -> bool:
    """Final as stored, or made final in this flush (``finalised_at`` old or new value)."""
    history = inspect(obj).attrs.finalised_at.history
    stored = [*(history.unchanged or ()), *(history.deleted or ())]
    return obj.finalised_at is not None or any(v is not None for v in stored)


@event.listens_for(Session, "before_flush")
def guard_finalised(session, _context, _instances) -> None:
    """Belt and braces: whatever code path, a final judgement or report is never changed, also
    not by reopening it in the same flush."""
    for obj in list(session.dirty) + list(session.deleted):
        changed = obj in session.deleted or session.is_modified(obj)
        if not changed:
            continue
        if isinstance(obj, Judgement) and _final(obj.assignment):
            raise FinalisedRecord("judgement of a finalised assessment")
        if isinstance(obj, AssessmentReport):
            history = inspect(obj).attrs.finalised_at.history
            stored = [*(history.unchanged or ()), *(history.deleted or ())]
            if any(v is not None for v in stored):
                raise FinalisedRecord("finalised assessment report")
