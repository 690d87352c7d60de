"""Organisations, people, their roles, and the records that keep logins safe."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evc.db import Base, TimestampMixin, UTCDateTime, utcnow


def enum_column(enum_cls, length: int = 20, name: str | None = None):
    """Store an enum by its value, checked by a CHECK constraint on every database.

    ``name`` names the constraint; give one when a table has two columns of the same enum.
    """
    return Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        name=name or enum_cls.__name__.lower(),
    )


class Role(enum.StrEnum):
    VOLUNTEER = "volunteer"
    SUPERVISOR = "supervisor"
    ASSESSOR = "assessor"
    COORDINATOR = "coordinator"
    CLIENT = "client"
    # A care professional who instructs volunteers and clears them for care tasks.
    INSTRUCTOR = "instructor"
    # A klantmanager of a municipality: reads the participation reports of the municipality's
    # clients, where the organisation that made the agreement allows it.
    CASE_MANAGER = "case_manager"


class OrganisationKind(enum.StrEnum):
    VOLUNTEER = "volunteer"  # a volunteer organisation that runs EVC-A
    ASSESSMENT = "assessment"  # a pool of independent assessors
    HOST = "host"  # hosts participation work
    MUNICIPALITY = "municipality"  # a gemeente: its klantmanagers read participation reports


# Roles that make sense in a municipality, and roles that only exist there.
MUNICIPALITY_ROLES = frozenset({Role.COORDINATOR, Role.CASE_MANAGER})
MUNICIPALITY_ONLY_ROLES = frozenset({Role.CASE_MANAGER})


def role_fits(kind: OrganisationKind, role: Role) -> bool:
    """Whether ``role`` can be held in an organisation of ``kind``."""
    if kind == OrganisationKind.MUNICIPALITY:
        return role in MUNICIPALITY_ROLES
    return role not in MUNICIPALITY_ONLY_ROLES


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    memberships: Mapped[list[Membership]] = relationship(back_populates="organisation")


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    # None until the person accepts the invitation and chooses a password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active_account: Mapped[bool] = mapped_column(Boolean, default=True)
    is_site_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", order_by="Membership.id"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot log in
        return self.is_active_account

    def roles_in(self, organisation_id: int) -> set[Role]:
        return {m.role for m in self.memberships if m.organisation_id == organisation_id}

    def has_role(self, role: Role) -> bool:
        return any(m.role == role for m in self.memberships)

    def organisation_ids(self, role: Role | None = None) -> set[int]:
        return {m.organisation_id for m in self.memberships if role is None or m.role == role}

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(TimestampMixin, Base):
    """One role of one person in one organisation; a person may hold several."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role))

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class UserSession(TimestampMixin, Base):
    """A server-side login session. The cookie holds the token; we store only its hash.

    Deleting the row ends the session, whatever copies of the cookie exist.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # When the person last proved who they are in this session: the login, or "confirm it's
    # you" (evc.accounts.reauth). Sensitive actions need it to be recent.
    authenticated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


class TokenPurpose(enum.StrEnum):
    INVITATION = "invitation"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a purpose name, not a password


class AccountToken(TimestampMixin, Base):
    """A single-use, expiring link for an invitation or a password reset (only the hash is kept)."""

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[TokenPurpose] = mapped_column(enum_column(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class RoleOffer(TimestampMixin, Base):
    """A role in an organisation offered to someone who already has an account.

    It becomes a membership only when the person, logged in as themselves, accepts it. The
    invitation link (only its hash is kept) opens a page that asks them to log in: it never logs
    anyone in. ``display_name`` and ``email`` are what the inviter typed, so the organisation
    learns nothing of the account until the person accepts.
    """

    __tablename__ = "role_offer"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(enum_column(Role))
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    status: Mapped[OfferStatus] = mapped_column(
        enum_column(OfferStatus), default=OfferStatus.PENDING
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
