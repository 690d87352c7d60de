"""Care-task protocols per organisation (versioned), clearances of volunteers for them, the VOG
record, instructors authorised for reserved acts and API tokens for scheduling tools."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evc.accounts.models import Organisation, User, enum_column
from evc.db import Base, TimestampMixin, UTCDateTime, VersionMixin, utcnow
from evc.protocols.loader import ProtocolSpec, Resource, ResourceKind, RiskLevel


class TaskProtocol(VersionMixin, TimestampMixin, Base):
    """A care task of one organisation, known by a stable key; its text lives in versions."""

    __tablename__ = "task_protocol"
    __table_args__ = (UniqueConstraint("organisation_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(63))
    latest_number: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    versions: Mapped[list[ProtocolVersion]] = relationship(
        back_populates="protocol", order_by="ProtocolVersion.number"
    )


class ProtocolVersion(Base):
    """One published text of a protocol. Never changed after publication."""

    __tablename__ = "protocol_version"
    __table_args__ = (UniqueConstraint("protocol_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("task_protocol.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    setting: Mapped[str] = mapped_column(String(200))
    risk_level: Mapped[RiskLevel] = mapped_column(enum_column(RiskLevel))
    reserved_act: Mapped[bool] = mapped_column(Boolean, default=False)
    validity_months: Mapped[int] = mapped_column(Integer)
    instructed_by: Mapped[str] = mapped_column(String(200))
    know: Mapped[list] = mapped_column(JSON)
    skills: Mapped[list] = mapped_column(JSON)
    resources: Mapped[list] = mapped_column(JSON)  # [{"kind": ..., "text": ...}]
    stop_and_call: Mapped[list] = mapped_column(JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    protocol: Mapped[TaskProtocol] = relationship(back_populates="versions")

    @property
    def resource_items(self) -> list[Resource]:
        return [Resource(ResourceKind(r["kind"]), r["text"]) for r in self.resources]

    @property
    def needs_vog(self) -> bool:
        return any(r["kind"] == ResourceKind.VOG for r in self.resources)

    @property
    def confirmable_resources(self) -> list[str]:
        """The resources an instructor ticks by hand (the VOG comes from the VOG record)."""
        return [r["text"] for r in self.resources if r["kind"] != ResourceKind.VOG]

    def as_spec(self, key: str) -> ProtocolSpec:
        return ProtocolSpec(
            key=key,
            version=self.number,
            title=self.title,
            description=self.description,
            setting=self.setting,
            risk_level=self.risk_level,
            reserved_act=self.reserved_act,
            validity_months=self.validity_months,
            instructed_by=self.instructed_by,
            know=tuple(self.know),
            skills=tuple(self.skills),
            resources=tuple(self.resource_items),
            stop_and_call=tuple(self.stop_and_call),
        )


class ClearanceStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"  # acknowledging, instruction and observation under way
    GRANTED = "granted"  # valid until ``valid_until`` (expiry is computed, not stored)
    REVOKED = "revoked"


_OPEN_SQL = "status IN ('in_progress', 'granted')"


class Clearance(VersionMixin, TimestampMixin, Base):
    """A volunteer cleared (or being cleared) for one task protocol of their organisation.

    ``valid_until`` is the first day on which the clearance no longer holds.
    """

    __tablename__ = "clearance"
    __table_args__ = (
        # One open clearance per volunteer and task, also under concurrent requests.
        Index(
            "uq_clearance_one_open_per_task",
            "volunteer_id",
            "protocol_id",
            unique=True,
            sqlite_where=text(_OPEN_SQL),
            postgresql_where=text(_OPEN_SQL),
        ),
        Index("ix_clearance_org_valid_until", "organisation_id", "valid_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    protocol_id: Mapped[int] = mapped_column(
        ForeignKey("task_protocol.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ClearanceStatus] = mapped_column(
        enum_column(ClearanceStatus), default=ClearanceStatus.IN_PROGRESS
    )
    # A short reference that does not identify the client (e.g. "kamer 12"); empty: any client.
    client_reference: Mapped[str] = mapped_column(String(40), default="")
    instructor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    instructed_on: Mapped[date | None] = mapped_column(Date)
    granted_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("protocol_version.id", ondelete="SET NULL")
    )
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    granted_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revoke_reason: Mapped[str] = mapped_column(Text, default="")
    # The valid_until date the expiry reminder was sent for (one reminder per period).
    expiry_reminder_for: Mapped[date | None] = mapped_column(Date)

    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])
    instructor: Mapped[User | None] = relationship(foreign_keys=[instructor_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])
    protocol: Mapped[TaskProtocol] = relationship()
    granted_version: Mapped[ProtocolVersion | None] = relationship()
    items: Mapped[list[ClearanceItem]] = relationship(
        back_populates="clearance", cascade="all, delete-orphan", order_by="ClearanceItem.id"
    )

    def item(self, kind: ItemKind, key: str) -> ClearanceItem | None:
        return next((i for i in self.items if i.kind == kind and i.item_hash == key), None)


class ItemKind(enum.StrEnum):
    KNOW = "know"  # acknowledged by the volunteer
    SKILL = "skill"  # observed by the instructor: demonstrated yes or no
    RESOURCE = "resource"  # confirmed by the instructor


class ClearanceItem(Base):
    """One ticked item of a clearance, keyed by the hash of the item's text: an unchanged item
    keeps its tick in a new protocol version, a changed one needs a new tick."""

    __tablename__ = "clearance_item"
    __table_args__ = (UniqueConstraint("clearance_id", "kind", "item_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    clearance_id: Mapped[int] = mapped_column(ForeignKey("clearance.id", ondelete="CASCADE"))
    kind: Mapped[ItemKind] = mapped_column(enum_column(ItemKind))
    item_hash: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(String(300))
    done: Mapped[bool] = mapped_column(Boolean)
    happened_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    clearance: Mapped[Clearance] = relationship(back_populates="items")


class VogStatus(enum.StrEnum):
    NOT_REQUESTED = "not_requested"
    REQUESTED = "requested"
    RECEIVED = "received"


class VolunteerVog(VersionMixin, TimestampMixin, Base):
    """A volunteer's VOG for one organisation: status and dates only, never a copy."""

    __tablename__ = "volunteer_vog"
    __table_args__ = (UniqueConstraint("organisation_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[VogStatus] = mapped_column(
        enum_column(VogStatus), default=VogStatus.NOT_REQUESTED
    )
    requested_on: Mapped[date | None] = mapped_column(Date)
    issued_on: Mapped[date | None] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    # The issue date the renewal reminder was sent for (one reminder per VOG).
    renewal_reminder_for: Mapped[date | None] = mapped_column(Date)

    volunteer: Mapped[User] = relationship(foreign_keys=[volunteer_id])


class ReservedActAuthorisation(TimestampMixin, Base):
    """The coordinator marked this instructor as authorised to clear reserved acts."""

    __tablename__ = "reserved_act_authorisation"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )


class ApiToken(TimestampMixin, Base):
    """A bearer token for scheduling tools, scoped to one organisation. Only the hash is kept."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
