"""The close of EVC-A: the final interview, the development plan (versioned) and the certificate.

A plan version is a new row whenever a confirmed plan changes, so a certificate keeps pointing at
the plan as it was agreed. An issued certificate never changes: its PDF bytes and their SHA-256
are stored once; only a revocation is added later (``guard_issued`` refuses anything else).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from evc.accounts.models import Organisation, User
from evc.db import Base, TimestampMixin, UTCDateTime, VersionMixin, utcnow
from evc.procedure.models import Trajectory


class FinalInterview(VersionMixin, TimestampMixin, Base):
    """The eindgesprek: when it was held, what was discussed, the volunteer's own reaction."""

    __tablename__ = "final_interview"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), unique=True
    )
    held_on: Mapped[date] = mapped_column(Date)
    discussed: Mapped[str] = mapped_column(Text)
    volunteer_reaction: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class DevelopmentPlanVersion(VersionMixin, TimestampMixin, Base):
    """One version of the persoonlijk ontwikkelplan. ``goals`` is a list of dicts with
    ``competency_id`` (or None), ``goal``, ``actions``, ``support``, ``support_from`` and
    ``target_date`` (ISO date). Agreed when both volunteer and supervisor confirmed it."""

    __tablename__ = "development_plan_version"
    __table_args__ = (UniqueConstraint("trajectory_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("trajectory.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    goals: Mapped[list] = mapped_column(JSON, default=list)
    written_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    volunteer_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    supervisor_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_agreed(self) -> bool:
        return self.volunteer_confirmed_at is not None and self.supervisor_confirmed_at is not None

    @property
    def is_touched(self) -> bool:
        """Someone confirmed it: a change then becomes a new version."""
        return self.volunteer_confirmed_at is not None or self.supervisor_confirmed_at is not None


class Certificate(Base):
    """The bewijs van deelname. ``number`` is random (not guessable) and is what the public
    verification page looks up; ``pdf`` and ``sha256`` never change after issue."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), unique=True
    )
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    number: Mapped[str] = mapped_column(String(24), unique=True)
    holder_name: Mapped[str] = mapped_column(String(200))
    # What the public page shows: [{"id", "name": {lang: text}}], fixed at issue.
    competencies: Mapped[list] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(8))
    plan_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("development_plan_version.id", ondelete="SET NULL")
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    trajectory: Mapped[Trajectory] = relationship()
    organisation: Mapped[Organisation] = relationship()
    issued_by: Mapped[User | None] = relationship(foreign_keys=[issued_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IssuedRecordChanged(RuntimeError):
    """Code tried to change an issued certificate (other than revoking it once)."""


_REVOCATION = {"revoked_at", "revoked_by_id", "revocation_reason"}


@event.listens_for(Session, "before_flush")
def guard_issued(session, _context, _instances) -> None:
    """Whatever code path: an issued certificate is never edited or deleted, and a revocation
    is not undone."""
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Certificate):
            continue
        if obj in session.deleted:
            raise IssuedRecordChanged("issued certificate deleted")
        state = inspect(obj)
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        if changed - _REVOCATION:
            raise IssuedRecordChanged(f"issued certificate changed: {sorted(changed)}")
        stored = state.attrs.revoked_at.history.deleted or ()
        if any(v is not None for v in stored):
            raise IssuedRecordChanged("revocation changed")
