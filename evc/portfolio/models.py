"""Evidence in the portfolio: items, their links to chosen competencies, referee statements,
the supervisor's comments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evc.accounts.models import User, enum_column
from evc.db import Base, TimestampMixin, UTCDateTime, VersionMixin, utcnow
from evc.procedure.models import Trajectory


class EvidenceKind(enum.StrEnum):
    DOCUMENT = "document"
    PHOTO = "photo"
    STORY = "story"  # a STARR story: text only
    REFEREE_STATEMENT = "referee_statement"
    CERTIFICATE = "certificate"
    OTHER = "other"


class EvidenceItem(VersionMixin, TimestampMixin, Base):
    __tablename__ = "evidence_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(
        ForeignKey("trajectory.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, length=30))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    activity_from: Mapped[date] = mapped_column(Date)
    activity_to: Mapped[date | None] = mapped_column(Date)
    work_context: Mapped[str] = mapped_column(String(200))
    # The stored file (optional): a generated storage key, never the uploaded name.
    file_key: Mapped[str | None] = mapped_column(String(80))
    thumbnail_key: Mapped[str | None] = mapped_column(String(80))
    file_name: Mapped[str | None] = mapped_column(String(160))  # for display only
    content_type: Mapped[str | None] = mapped_column(String(100))
    file_size: Mapped[int] = mapped_column(Integer, default=0)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    trajectory: Mapped[Trajectory] = relationship()
    links: Mapped[list[EvidenceLink]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="EvidenceLink.id"
    )
    referee: Mapped[RefereeRequest | None] = relationship(
        back_populates="item", cascade="all, delete-orphan", uselist=False
    )
    comments: Mapped[list[EvidenceComment]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="EvidenceComment.id"
    )

    @property
    def competency_ids(self) -> list[str]:
        return [link.competency_id for link in self.links]


class EvidenceLink(Base):
    """The item shows this competency (one of the trajectory's chosen ones)."""

    __tablename__ = "evidence_link"
    __table_args__ = (UniqueConstraint("item_id", "competency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("evidence_item.id", ondelete="CASCADE"))
    competency_id: Mapped[str] = mapped_column(String(64), index=True)

    item: Mapped[EvidenceItem] = relationship(back_populates="links")


class RefereeStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class RefereeRequest(TimestampMixin, Base):
    """A referee asked to confirm what the volunteer wrote, through a single-use link."""

    __tablename__ = "referee_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_item.id", ondelete="CASCADE"), unique=True
    )
    referee_name: Mapped[str] = mapped_column(String(120))
    referee_role: Mapped[str] = mapped_column(String(120))
    referee_email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[RefereeStatus] = mapped_column(enum_column(RefereeStatus))
    referee_words: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    item: Mapped[EvidenceItem] = relationship(back_populates="referee")

    @property
    def is_expired(self) -> bool:
        return self.status == RefereeStatus.PENDING and self.expires_at < utcnow()


class EvidenceComment(TimestampMixin, Base):
    """Feedback on an item: the supervisor comments, the volunteer answers."""

    __tablename__ = "evidence_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_item.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)

    item: Mapped[EvidenceItem] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship()
