"""Issuing and revoking certificates, and the signed Open Badges export (the public check
lives in ``checking.py``).

An issue renders the PDF first and only then adds rows, so a failed render leaves nothing; the
PDF bytes are stored in the database (no file that could outlive a rolled-back transaction).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from sqlalchemy import select

from evc.accounts.models import User
from evc.assessment.models import Verdict
from evc.assessment.services import final_assignment, outcome
from evc.audit import log_action
from evc.certificates import badge
from evc.certificates.models import Certificate, DevelopmentPlanVersion
from evc.certificates.pdf import certificate_html, render_pdf
from evc.certificates.services import closing_problems, current_plan
from evc.db import utcnow
from evc.errors import DomainError, flush_or_refuse
from evc.extensions import db
from evc.framework import current_framework
from evc.mail import absolute_url
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services import advance_phase, notify
from evc.qr import qr_data_uri

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
        return [_already_issued()]
    if trajectory.phase != Phase.FINAL_INTERVIEW:
        return [_("Het bewijs van deelname geef je uit na het eindgesprek.")]
    return closing_problems(trajectory)


def _already_issued() -> str:
    return _("Het bewijs van deelname is al uitgegeven.")


def issue_certificate(trajectory: Trajectory, *, actor: User) -> Certificate:
    """Render and store the certificate, complete the trajectory and notify the volunteer.
    Raises ``DomainError`` (nothing changed) when something is missing or it was issued."""
    problems = issue_problems(trajectory)
    if problems:
        raise DomainError(" ".join(problems))
    certificate = _rendered_certificate(trajectory, actor=actor)
    _add_once(certificate)
    advance_phase(trajectory, Phase.COMPLETED, actor=actor)
    _announce_issue(certificate, trajectory, actor=actor)
    return certificate


def _rendered_certificate(trajectory: Trajectory, *, actor: User) -> Certificate:
    """The PDF rendered first, then the row made (not yet added): a failed render adds nothing."""
    issued_at = utcnow()
    data = certificate_data(trajectory, number=new_number(), issued_at=issued_at)
    pdf = render_pdf(certificate_html(data))
    return Certificate(
        trajectory_id=trajectory.id,
        organisation_id=trajectory.organisation_id,
        issued_at=issued_at,
        issued_by_id=actor.id,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        **_statements(data),
    )


def _statements(data: dict) -> dict:
    """What the certificate states, kept next to its PDF for the public check and the badge."""
    return {
        "number": data["number"],
        "holder_name": data["holder"],
        "competencies": [{"id": c["id"], "name": c["names"]} for c in data["competencies"]],
        "language": data["language"],
        "plan_version_id": data["plan_version_id"],
    }


def _add_once(certificate: Certificate) -> None:
    """Store the certificate; one issued by a second request at the same moment is refused."""
    db.session.add(certificate)
    flush_or_refuse(DomainError(_already_issued()))


def _announce_issue(certificate: Certificate, trajectory: Trajectory, *, actor: User) -> None:
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
        number=certificate.number,
    )


def certificate_data(trajectory: Trajectory, *, number: str, issued_at) -> dict:
    """Plain values for the PDF: no ORM objects reach the template."""
    language = trajectory.volunteer.language or "nl"
    framework = current_framework(trajectory.framework_id)
    with force_locale(language):
        return (
            _document(trajectory, number, issued_at, language)
            | _people(trajectory)
            | _recognised(trajectory, framework, language)
            | _plan_fields(current_plan(trajectory), framework, language)
        )


def _document(trajectory: Trajectory, number: str, issued_at, language: str) -> dict:
    """The certificate itself: its number, where it is checked and the period it covers."""
    verify_url = absolute_url("certificates.verify_number", number=number)
    return {
        "language": language,
        "number": number,
        "period_start": trajectory.created_at.date(),
        "issued_on": issued_at.date(),
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url),
    }


def _people(trajectory: Trajectory) -> dict:
    lead = final_assignment(trajectory.id)
    return {
        "holder": trajectory.volunteer.display_name,
        "organisation": trajectory.organisation.name,
        "supervisor": trajectory.supervisor.display_name,
        "assessor": lead.assessor.display_name if lead else "",
    }


def _recognised(trajectory: Trajectory, framework, language: str) -> dict:
    """The competencies the assessment found demonstrated, named in ``language``."""
    recognised = [
        _named_competency(framework.competency(cid), language)
        for cid, item in outcome(trajectory).items()
        if item.verdict == Verdict.DEMONSTRATED
    ]
    return {"framework": framework.name(language), "competencies": recognised}


def _named_competency(competency, language: str) -> dict:
    return {
        "id": competency.id,
        "name": competency.name(language),
        "names": {"nl": competency.name("nl"), "en": competency.name("en")},
        "definition": competency.definition(language),
    }


def _plan_fields(plan: DevelopmentPlanVersion | None, framework, language: str) -> dict:
    return {
        "plan_version_id": plan.id if plan else None,
        "plan_number": plan.number if plan else None,
        "goals": [readable_goal(g, framework, language) for g in (plan.goals if plan else [])],
    }


def readable_goal(goal: dict, framework, language: str) -> dict:
    """A stored goal with the competency's name and a written-out target date."""
    competency = goal.get("competency_id")
    return goal | {
        "competency": framework.competency(competency).name(language) if competency else "",
        "target_date": _written_date(goal.get("target_date")),
    }


def _written_date(stored: str | None) -> str:
    """A stored ISO date as the certificate and the badge write it ("3 maart 2026")."""
    return format_date(date.fromisoformat(stored), "d MMMM yyyy") if stored else ""


# --- revoking ----------------------------------------------------------------------------------


def revoke(certificate: Certificate, reason: str, *, actor: User) -> None:
    """Revoke with a reason; the public page shows it as revoked from now on."""
    reason = _revocation_reason(certificate, reason)
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revocation_reason = reason
    db.session.flush()
    _announce_revocation(certificate, reason, actor=actor)


def _revocation_reason(certificate: Certificate, reason: str) -> str:
    if certificate.is_revoked:
        raise DomainError(_("Dit bewijs van deelname is al ingetrokken."))
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise DomainError(_("Schrijf op waarom je het bewijs intrekt."), field="reason")
    return reason


def _announce_revocation(certificate: Certificate, reason: str, *, actor: User) -> None:
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
    """Plain values for the Open Badge (``badge.credential``), in the certificate's language."""
    language = certificate.language
    framework = current_framework(certificate.trajectory.framework_id)
    with force_locale(language):
        return (
            _badge_facts(certificate)
            | _achievement_texts(framework)
            | _badge_competencies(certificate, framework, language)
            | _badge_plan(certificate, framework, language)
        )


def _badge_facts(certificate: Certificate) -> dict:
    """Who holds it, who issued it, when, and where it is checked."""
    trajectory = certificate.trajectory
    return {
        "language": certificate.language,
        "verify_url": absolute_url("certificates.verify_number", number=certificate.number),
        "issuer_id": key_url(certificate.organisation_id),
        "organisation_name": certificate.organisation.name,
        "holder_name": certificate.holder_name,
        "holder_email": trajectory.volunteer.email,
        "issued_at": certificate.issued_at,
        "period_start": trajectory.created_at,
    }


def _achievement_texts(framework) -> dict:
    return {
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
    }


def _badge_competencies(certificate: Certificate, framework, language: str) -> dict:
    """The competencies recognised at issue, as the certificate lists them."""
    return {
        "framework_name": framework.name(language),
        "competencies": [
            _badge_competency(c["id"], framework, language) for c in certificate.competencies
        ],
    }


def _badge_competency(competency_id: str, framework, language: str) -> dict:
    competency = framework.competency(competency_id)
    return {
        "id": competency_id,
        "name": competency.name(language),
        "definition": competency.definition(language),
        "url": absolute_url("core.competency", competency_id=competency_id),
    }


def _badge_plan(certificate: Certificate, framework, language: str) -> dict:
    """The plan as agreed at issue: a later version of the plan does not change the badge."""
    plan_id = certificate.plan_version_id
    plan = db.session.get(DevelopmentPlanVersion, plan_id) if plan_id else None
    if plan is None:
        return {"plan_name": "", "plan_narrative": ""}
    return {
        "plan_name": _("Persoonlijk ontwikkelplan (versie %(n)d)", n=plan.number),
        "plan_narrative": plan_markdown(plan.goals, framework, language),
    }


def plan_markdown(goals: list[dict], framework, language: str) -> str:
    """The plan as a Markdown list for the badge: each goal, with its filled-in parts below it."""
    labels = _part_labels()
    readable = (readable_goal(g, framework, language) for g in goals)
    return "\n".join(line for goal in readable for line in _goal_lines(goal, labels))


def _goal_lines(goal: dict, labels: dict[str, str]) -> list[str]:
    parts = [f"  - {label}: {goal[key]}" for key, label in labels.items() if goal.get(key)]
    return [f"- **{goal['goal']}**", *parts]


def _part_labels() -> dict[str, str]:
    """The parts of a goal the badge lists, in order, with their labels."""
    return {
        "competency": _("Competentie"),
        "actions": _("Acties"),
        "support": _("Steun"),
        "support_from": _("Van wie"),
        "target_date": _("Streefdatum"),
    }
