"""How an e-mail address finds its account, and how secrets are stored (as digests only)."""

from __future__ import annotations

import hashlib

from flask import current_app
from sqlalchemy import select

from evc.accounts.models import User
from evc.extensions import db


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def set_language(user: User, language: str) -> None:
    if language in current_app.config["LANGUAGES"]:
        user.language = language
        db.session.flush()
