"""The records of the second factor. Nothing here is readable as it was entered: the app's
secret is encrypted with a key from the app's ``SECRET_KEY`` (``services.encrypt``), recovery
codes are stored as Argon2 hashes, a pending login only as the hash of its token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from evc.accounts.models import User
from evc.db import Base, TimestampMixin, UTCDateTime


class TotpCredential(TimestampMixin, Base):
    """An authenticator app of one person. A person has at most one confirmed credential
    (``confirmed_at`` set) and, while setting up a new app, one waiting for its first code."""

    __tablename__ = "totp_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    secret_encrypted: Mapped[str] = mapped_column(String(255))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The 30-second time step of the last code accepted: a code is never accepted twice.
    last_used_step: Mapped[int | None] = mapped_column(Integer)

    user: Mapped[User] = relationship()


class RecoveryCode(TimestampMixin, Base):
    """One of the codes for when the app is not at hand; each works once."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginChallenge(TimestampMixin, Base):
    """A login whose password was right and that waits for its second step: a code, or (for
    someone who must have a second factor and has none) setting one up. It is no session:
    the person can do nothing else until the step is done. The cookie holds the token."""

    __tablename__ = "login_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)

    user: Mapped[User] = relationship()
