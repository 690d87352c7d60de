"""Participation agreements, exemptions, logged hours, issued reports and check attempts.

Durations are stored in whole minutes (a multiple of 15), so totals are exact integers on every
database. No BSN is ever stored: the municipality's own client reference identifies the client.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evc.accounts.models import Organisation, User, enum_column
from evc.db import Base, TimestampMixin, UTCDateTime, VersionMixin, utcnow


class Regime(enum.StrEnum):
    RECIPROCITY = "reciprocity"  # tegenprestatie, art. 9(1)(c) Participatiewet
    SOCIAL_PARTICIPATION = "social_participation"  # maatschappelijke participatie (2027)
    VOLUNTARY = "voluntary"  # vrijwillig, without an obligation


@dataclass(frozen=True)
class RegimeRule:
    """When a regime applies and the legal reference recorded with each agreement."""

    legal_reference: str
    valid_from: date | None
    valid_until: date | None


# Data, not code paths: a change in the law changes this table (and new agreements only).
REGIME_RULES = {
    Regime.RECIPROCITY: RegimeRule(
        "art. 9 lid 1 onderdeel c Participatiewet (tegenprestatie)", None, date(2026, 12, 31)
    ),
    Regime.SOCIAL_PARTICIPATION: RegimeRule(
        "Participatiewet in balans: maatschappelijke participatie", date(2027, 1, 1), None
    ),
    Regime.VOLUNTARY: RegimeRule("vrijwillige inzet, zonder verplichting", None, None),
}


class EntryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the host contact
    APPROVED = "approved"  # verified by the host contact; final
    DECLINED = "declined"  # the host contact declined it; the client may correct it


class ParticipationAgreement(VersionMixin, TimestampMixin, Base):
    """A participatieafspraak: who works where, how many hours a week, from when until when."""

    __tablename__ = "participation_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The organisation whose coordinator made the agreement and manages it.
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    client_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    host_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    host_contact_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The municipality (an organisation of kind municipality) the client gets assistance from;
    # its klantmanagers may read the reports when the organisation allows it.
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    client_reference: Mapped[str] = mapped_column(String(40))
    regime: Mapped[Regime] = mapped_column(enum_column(Regime, length=30))
    legal_reference: Mapped[str] = mapped_column(String(200))
    activity: Mapped[str] = mapped_column(String(200))
    weekly_minutes_min: Mapped[int] = mapped_column(Integer)
    weekly_minutes_max: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id])
    client: Mapped[User] = relationship(foreign_keys=[client_id])
    host_organisation: Mapped[Organisation] = relationship(foreign_keys=[host_organisation_id])
    host_contact: Mapped[User] = relationship(foreign_keys=[host_contact_id])
    municipality: Mapped[Organisation] = relationship(foreign_keys=[municipality_id])
    exemptions: Mapped[list[Exemption]] = relationship(
        back_populates="agreement", order_by="Exemption.starts_on"
    )

    def covers(self, day: date) -> bool:
        return self.starts_on <= day <= self.ends_on


class Exemption(TimestampMixin, Base):
    """An ontheffing: a period without the obligation. The host sees the dates only."""

    __tablename__ = "participation_exemption"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("participation_agreement.id", ondelete="CASCADE"), index=True
    )
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    # Sensitive (care duties, health): shown to the client and the coordinator only.
    reason: Mapped[str] = mapped_column(Text, default="")

    agreement: Mapped[ParticipationAgreement] = relationship(back_populates="exemptions")


class HoursEntry(VersionMixin, TimestampMixin, Base):
    """Hours the client logged on one day; the host contact approves or declines them."""

    __tablename__ = "participation_hours_entry"
    __table_args__ = (
        Index("ix_participation_hours_entry_agreement_day", "agreement_id", "worked_on"),
        Index("ix_participation_hours_entry_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("participation_agreement.id", ondelete="CASCADE")
    )
    worked_on: Mapped[date] = mapped_column(Date)
    minutes: Mapped[int] = mapped_column(SmallInteger)
    activity: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[EntryStatus] = mapped_column(
        enum_column(EntryStatus), default=EntryStatus.PENDING
    )
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agreement: Mapped[ParticipationAgreement] = relationship()

    @property
    def hours(self) -> float:
        return self.minutes / 60


class ParticipationReport(TimestampMixin, Base):
    """An issued report for the municipality. Never changes: the stored PDF is the report,
    ``data`` the plain values it was rendered from (the CSV is written from them)."""

    __tablename__ = "participation_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("participation_agreement.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # The municipality the report was made for. Its klantmanagers may read it (when shared),
    # also after the agreement moves to another municipality.
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    data: Mapped[dict] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    # A wrong report is revoked, never changed or deleted: the check page then says so.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    revocation_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    agreement: Mapped[ParticipationAgreement] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
