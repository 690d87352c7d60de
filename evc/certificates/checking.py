"""The public check of a certificate: by its number or by the PDF itself, throttled per address,
and the issuer's public profile with the key that checks its badges.

The page shows only the few facts of ``PublicView``; a lookup that finds nothing counts too.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from evc import throttle
from evc.accounts.models import Organisation
from evc.certificates import badge
from evc.certificates.issuing import NUMBER_GROUPS, key_url, normalise_number
from evc.certificates.keys import public_jwk
from evc.certificates.models import Certificate
from evc.errors import DomainError
from evc.extensions import db


class VerificationThrottled(DomainError):
    pass


CHECK_SCOPE = "certificate-check"


def count_attempt(address: str) -> None:
    """Count one lookup from ``address``; raise ``VerificationThrottled`` over the limit."""
    config = current_app.config
    within = timedelta(minutes=config["VERIFY_WINDOW_MINUTES"])
    if throttle.too_many(
        CHECK_SCOPE, address, most=config["VERIFY_MAX_PER_ADDRESS"], within=within
    ):
        raise VerificationThrottled(_("Je hebt te vaak gezocht. Wacht een kwartier."))
    throttle.record(CHECK_SCOPE, address)
    db.session.flush()


def find_by_number(text: str) -> Certificate | None:
    number = normalise_number(text)
    if len(number) != 4 * NUMBER_GROUPS + NUMBER_GROUPS - 1:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.number == number))


PDF_MAGIC = b"%PDF-"


def too_large(max_bytes: int) -> DomainError:
    return DomainError(
        _(
            "Dit bestand is te groot. Een bewijs van deelname is kleiner dan %(mb)d MB.",
            mb=max(1, max_bytes // 1_000_000),
        ),
        field="file",
    )


def find_by_pdf(stream, max_bytes: int) -> Certificate | None:
    """The certificate whose stored PDF has exactly these bytes, else None. Raises
    ``DomainError`` for something that is not a PDF or is too large."""
    head, size, digest = _read(stream, max_bytes)
    if size == 0:
        raise DomainError(_("Kies het PDF-bestand van het bewijs van deelname."), field="file")
    if head != PDF_MAGIC:
        raise DomainError(_("Dit is geen PDF-bestand."), field="file")
    return db.session.scalar(select(Certificate).where(Certificate.sha256 == digest))


def _read(stream, max_bytes: int) -> tuple[bytes, int, str]:
    """The first bytes, the size and the sha256 of ``stream``, read in chunks; an upload over
    ``max_bytes`` is refused as soon as it gets there."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(64 * 1024):
        head = head or chunk[: len(PDF_MAGIC)]
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        digest.update(chunk)
    return head, size, digest.hexdigest()


@dataclass(frozen=True)
class PublicView:
    """The only facts the public page shows."""

    number: str
    holder: str
    organisation: str
    issued_at: object
    competencies: list[str]
    revoked_at: object


def public_view(certificate: Certificate, language: str) -> PublicView:
    return PublicView(
        number=certificate.number,
        holder=certificate.holder_name,
        organisation=certificate.organisation.name,
        issued_at=certificate.issued_at,
        competencies=[c["name"].get(language) or c["name"]["nl"] for c in certificate.competencies],
        revoked_at=certificate.revoked_at,
    )


def has_issued(organisation: Organisation) -> bool:
    """Whether the organisation ever issued a certificate (only then has it a signing key)."""
    query = select(Certificate.id).where(Certificate.organisation_id == organisation.id)
    return db.session.scalar(query.limit(1)) is not None


def issuer_profile(organisation: Organisation) -> dict:
    """The organisation as the issuer of its badges, with the public key that checks them."""
    return {
        "id": key_url(organisation.id),
        "type": "Profile",
        "name": organisation.name,
        "keys": [public_jwk(organisation.id, badge.KEY_ID)],
    }
