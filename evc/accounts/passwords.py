"""Password hashing with Argon2id at the OWASP-recommended minimum cost.

OWASP Password Storage Cheat Sheet: Argon2id, m=19 MiB, t=2, p=1. Hashes made with older
parameters are upgraded at the next successful login (``needs_rehash``).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from evc.accounts.guessable import guessable_problem

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# Verified when the e-mail address is unknown, so that a wrong address takes as long as a
# wrong password and the response time does not tell which accounts exist.
_DUMMY_HASH = _hasher.hash("no account has this password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


def password_problem(password: str, *, email: str, min_length: int, max_length: int):
    """Return a (translatable) reason why ``password`` is not acceptable, or None."""
    from flask_babel import gettext as _

    if len(password) < min_length:
        return _("Kies een wachtwoord van minstens %(n)d tekens.", n=min_length)
    if len(password) > max_length:
        return _("Kies een wachtwoord van maximaal %(n)d tekens.", n=max_length)
    name = email.split("@")[0].lower() if email else ""
    if len(name) >= 4 and name in password.lower():
        return _("Je wachtwoord mag niet je e-mailadres bevatten.")
    return guessable_problem(password, personal=[name, *name.replace(".", " ").split()])
