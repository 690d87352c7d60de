"""Issuing, revoking and checking certificates, and the signed Open Badges export.

An issue renders the PDF first and only then adds rows, so a failed render leaves nothing; the
PDF bytes are stored in the database (no file that could outlive a rolled-back transaction).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from evc.accounts.models import User
from evc.audit import log_action
from evc.certificates import badge
from evc.certificates.models import Certificate, VerificationAttempt
from evc.certificates.pdf import certificate_html, qr_data_uri, render_pdf
from evc.certificates.services import current_plan, final_interview_of, notify
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.framework import current_framework
from evc.mail import absolute_url
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services import advance_phase

# Crockford's base32 without I, L, O, U: easy to read aloud and to type from paper.
NUMBER_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
NUMBER_GROUPS = 4  # 4 × 4 characters: 80 random bits


def new_number() -> str:
    chars = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(4 * NUMBER_GROUPS))
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def normalise_number(text: str) -> str:
    """What someone typed, as stored: upper case, groups of four; O→0 and I/L→1 as read."""
    cleaned = "".join(c for c in (text or "").upper() if c.isalnum())
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))[: 4 * NUMBER_GROUPS]
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


def certificate_of(trajectory: Trajectory) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.trajectory_id == trajectory.id))


# --- issuing -----------------------------------------------------------------------------------


def issue_problems(trajectory: Trajectory) -> list[str]:
    """Everything that blocks issuing, in plain language (empty: it may be issued)."""
    if certificate_of(trajectory) is not None:
        return [_("Het bewijs van deelname is al uitgegeven.")]
    if trajectory.phase != Phase.FINAL_INTERVIEW:
        return [_("Het bewijs van deelname geef je uit na het eindgesprek.")]
    problems = []
    if final_interview_of(trajectory) is None:
        problems.append(_("Het eindgesprek is nog niet vastgelegd."))
    plan = current_plan(trajectory)
    if plan is None or not plan.is_agreed:
        problems.append(_("De vrijwilliger en de begeleider hebben het plan nog niet bevestigd."))
    return problems


def issue_certificate(trajectory: Trajectory, *, actor: User) -> Certificate:
    """Render and store the certificate, complete the trajectory and notify the volunteer.
    Raises ``DomainError`` (nothing changed) when something is missing or it was issued."""
    problems = issue_problems(trajectory)
    if problems:
        raise DomainError(" ".join(problems))
    now = utcnow()
    number = new_number()
    data = certificate_data(trajectory, number=number, issued_at=now)
    pdf = render_pdf(certificate_html(data))
    certificate = Certificate(
        trajectory_id=trajectory.id,
        organisation_id=trajectory.organisation_id,
        number=number,
        holder_name=trajectory.volunteer.display_name,
        competencies=[{"id": c["id"], "name": c["names"]} for c in data["competencies"]],
        language=data["language"],
        plan_version_id=data["plan_version_id"],
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        issued_at=now,
        issued_by_id=actor.id,
    )
    db.session.add(certificate)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # issued by a second request at the same moment
        raise DomainError(_("Het bewijs van deelname is al uitgegeven.")) from error
    advance_phase(trajectory, Phase.COMPLETED, actor=actor)
    log_action(
        "certificate.issued",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=certificate,
        trajectory_id=trajectory.id,
    )
    notify(
        trajectory.volunteer,
        "email/certificate_issued.txt",
        lambda: _("Je bewijs van deelname is klaar"),
        trajectory,
        number=number,
    )
    return certificate


def certificate_data(trajectory: Trajectory, *, number: str, issued_at) -> dict:
    """Plain values for the PDF: no ORM objects reach the template."""
    from evc.assessment.models import Verdict
    from evc.assessment.services import final_assignment, outcome

    language = trajectory.volunteer.language or "nl"
    framework = current_framework(trajectory.framework_id)
    plan = current_plan(trajectory)
    lead = final_assignment(trajectory.id)
    recognised = [
        framework.competency(cid)
        for cid, item in outcome(trajectory).items()
        if item.verdict == Verdict.DEMONSTRATED
    ]
    verify_url = absolute_url("certificates.verify_number", number=number)
    with force_locale(language):
        return {
            "language": language,
            "number": number,
            "holder": trajectory.volunteer.display_name,
            "organisation": trajectory.organisation.name,
            "period_start": trajectory.created_at.date(),
            "issued_on": issued_at.date(),
            "framework": framework.name(language),
            "competencies": [
                {
                    "id": c.id,
                    "name": c.name(language),
                    "names": {"nl": c.name("nl"), "en": c.name("en")},
                    "definition": c.definition(language),
                }
                for c in recognised
            ],
            "supervisor": trajectory.supervisor.display_name,
            "assessor": lead.assessor.display_name if lead else "",
            "plan_version_id": plan.id if plan else None,
            "plan_number": plan.number if plan else None,
            "goals": [
                readable_goal(goal, framework, language) for goal in (plan.goals if plan else [])
            ],
            "verify_url": verify_url,
            "qr": qr_data_uri(verify_url),
        }


def readable_goal(goal: dict, framework, language: str) -> dict:
    """A stored goal with the competency's name and a written-out target date."""
    from datetime import date

    from flask_babel import format_date

    competency = goal.get("competency_id")
    target = goal.get("target_date")
    return goal | {
        "competency": framework.competency(competency).name(language) if competency else "",
        "target_date": format_date(date.fromisoformat(target), "d MMMM yyyy") if target else "",
    }


# --- revoking ----------------------------------------------------------------------------------


def revoke(certificate: Certificate, reason: str, *, actor: User) -> None:
    """Revoke with a reason; the public page shows it as revoked from now on."""
    if certificate.is_revoked:
        raise DomainError(_("Dit bewijs van deelname is al ingetrokken."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Schrijf op waarom je het bewijs intrekt."), field="reason")
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason
    db.session.flush()
    log_action(
        "certificate.revoked",
        actor=actor,
        organisation_id=certificate.organisation_id,
        obj=certificate,
    )
    notify(
        certificate.trajectory.volunteer,
        "email/certificate_revoked.txt",
        lambda: _("Je bewijs van deelname is ingetrokken"),
        certificate.trajectory,
        reason=reason,
    )


# --- the public check --------------------------------------------------------------------------


class VerificationThrottled(DomainError):
    pass


def count_attempt(address: str) -> None:
    """Count one lookup from ``address``; raise ``VerificationThrottled`` over the limit."""
    config = current_app.config
    since = utcnow() - timedelta(minutes=config["VERIFY_WINDOW_MINUTES"])
    recent = db.session.scalar(
        select(func.count(VerificationAttempt.id)).where(
            VerificationAttempt.address == address, VerificationAttempt.attempted_at >= since
        )
    )
    if recent >= config["VERIFY_MAX_PER_ADDRESS"]:
        raise VerificationThrottled(_("Je hebt te vaak gezocht. Wacht een kwartier."))
    db.session.add(VerificationAttempt(address=address, attempted_at=utcnow()))
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
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(64 * 1024):
        if not head:
            head = chunk[:5]
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes)
        digest.update(chunk)
    if size == 0:
        raise DomainError(_("Kies het PDF-bestand van het bewijs van deelname."), field="file")
    if head != PDF_MAGIC:
        raise DomainError(_("Dit is geen PDF-bestand."), field="file")
    return db.session.scalar(select(Certificate).where(Certificate.sha256 == digest.hexdigest()))


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


# --- Open Badges 3.0 ---------------------------------------------------------------------------


def key_url(organisation_id: int) -> str:
    return absolute_url("certificates.public_key", organisation_id=organisation_id)


def badge_token(certificate: Certificate) -> str:
    """The signed OpenBadgeCredential (VC-JWT). Refused for a revoked certificate."""
    if certificate.is_revoked:
        raise DomainError(
            _("Dit bewijs van deelname is ingetrokken. Je kunt het niet meer als badge downloaden.")
        )
    return badge.sign(
        badge.credential(badge_data(certificate)),
        organisation_id=certificate.organisation_id,
        key_url=key_url(certificate.organisation_id),
    )


def badge_data(certificate: Certificate) -> dict:
    from evc.certificates.models import DevelopmentPlanVersion

    trajectory = certificate.trajectory
    language = certificate.language
    framework = current_framework(trajectory.framework_id)
    plan = (
        db.session.get(DevelopmentPlanVersion, certificate.plan_version_id)
        if certificate.plan_version_id
        else None
    )
    with force_locale(language):
        return {
            "language": language,
            "verify_url": absolute_url("certificates.verify_number", number=certificate.number),
            "issuer_id": key_url(certificate.organisation_id),
            "organisation_name": certificate.organisation.name,
            "holder_name": certificate.holder_name,
            "holder_email": trajectory.volunteer.email,
            "issued_at": certificate.issued_at,
            "period_start": trajectory.created_at,
            "framework_name": framework.name(language),
            "achievement_id": f"urn:evc:achievement:{framework.id}:{framework.version}",
            "achievement_name": _("Bewijs van deelname EVC-A"),
            "achievement_description": _(
                "De houder heeft het hele EVC-A-traject gevolgd. Een onafhankelijke beoordelaar "
                "heeft de genoemde competenties erkend."
            ),
            "criteria": _(
                "Begingesprek, portfolio met bewijs per competentie, beoordeling door een "
                "onafhankelijke beoordelaar en een eindgesprek met ontwikkelplan."
            ),
            "credential_name": _("Bewijs van deelname EVC-A"),
            "result_value": _("aangetoond"),
            "competencies": [
                {
                    "id": c["id"],
                    "name": framework.competency(c["id"]).name(language),
                    "definition": framework.competency(c["id"]).definition(language),
                    "url": absolute_url("core.competency", competency_id=c["id"]),
                }
                for c in certificate.competencies
            ],
            "plan_name": _("Persoonlijk ontwikkelplan (versie %(n)d)", n=plan.number)
            if plan
            else "",
            "plan_narrative": plan_markdown(plan.goals, framework, language) if plan else "",
        }


def plan_markdown(goals: list[dict], framework, language: str) -> str:
    lines = []
    for goal in (readable_goal(g, framework, language) for g in goals):
        lines.append(f"- **{goal['goal']}**")
        if goal["competency"]:
            lines.append(f"  - {_('Competentie')}: {goal['competency']}")
        for key, label in (
            ("actions", _("Acties")),
            ("support", _("Steun")),
            ("support_from", _("Van wie")),
            ("target_date", _("Streefdatum")),
        ):
            if goal.get(key):
                lines.append(f"  - {label}: {goal[key]}")
    return "\n".join(lines)
