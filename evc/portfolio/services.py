"""Writes of the portfolio. Files are checked by ``portfolio.files`` and promoted into storage
only after the commit (``evc.storage``); a rolled-back request leaves no file and no row."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from evc.accounts.models import User
from evc.accounts.services import token_digest
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.mail import absolute_url, queue_mail, queue_mail_to_address
from evc.portfolio.files import EXTENSIONS, CheckedFile, safe_display_name
from evc.portfolio.models import (
    EvidenceComment,
    EvidenceItem,
    EvidenceKind,
    EvidenceLink,
    RefereeRequest,
    RefereeStatus,
)
from evc.procedure.models import CompetencyChoice, Trajectory
from evc.procedure.phases import Phase
from evc.storage import delete_after_commit, new_key, put_after_commit

EDITABLE_PHASES = (Phase.INTAKE, Phase.RECOGNITION)


def _require_editable(trajectory: Trajectory) -> None:
    if trajectory.phase not in EDITABLE_PHASES:
        raise DomainError(
            _(
                "Het portfolio is ingediend. Je kunt het pas weer aanpassen als de beoordelaar "
                "het teruggeeft."
            )
        )


def _touch(trajectory: Trajectory) -> None:
    trajectory.last_activity_at = utcnow()
    trajectory._progress = None


def _check_fields(data: dict) -> None:
    if not (data.get("title") or "").strip():
        raise DomainError(_("Geef het bewijs een titel."), field="title")
    start, end = data.get("activity_from"), data.get("activity_to")
    today = date.today()
    if start is None:
        raise DomainError(_("Vul in wanneer het was."), field="activity_from")
    if start > today:
        raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field="activity_from")
    if end is not None and end > today:
        raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field="activity_to")
    if end is not None and end < start:
        raise DomainError(
            _("De einddatum mag niet vóór de begindatum liggen."), field="activity_to"
        )
    if not (data.get("work_context") or "").strip():
        raise DomainError(_("Vul in bij welk vrijwilligerswerk dit hoort."), field="work_context")


def _check_kind(kind: EvidenceKind, data: dict, upload: CheckedFile | None, has_file: bool):
    if kind == EvidenceKind.STORY and not (data.get("description") or "").strip():
        raise DomainError(_("Schrijf je verhaal op in de beschrijving."), field="description")
    if kind == EvidenceKind.STORY and upload is not None:
        raise DomainError(
            _(
                "Een verhaal is alleen tekst. Kies een andere soort als je een "
                "bestand wilt toevoegen."
            ),
            field="file",
        )
    if kind == EvidenceKind.PHOTO and not (upload.is_image if upload else has_file):
        raise DomainError(_("Kies een foto (JPG of PNG)."), field="file")
    if kind == EvidenceKind.REFEREE_STATEMENT and not (data.get("description") or "").strip():
        raise DomainError(_("Schrijf op wat de referent kan bevestigen."), field="description")


def _set_links(item: EvidenceItem, trajectory: Trajectory, competency_ids: Sequence[str]) -> None:
    """Link the item to competencies chosen in the same trajectory (at least one)."""
    wanted = list(dict.fromkeys(competency_ids))
    if not wanted:
        raise DomainError(_("Kies bij welke competentie dit bewijs hoort."), field="competencies")
    chosen = set(
        db.session.scalars(
            select(CompetencyChoice.competency_id).where(
                CompetencyChoice.trajectory_id == trajectory.id
            )
        )
    )
    if set(wanted) - chosen:
        raise DomainError(
            _("Kies alleen competenties die je in je traject hebt gekozen."), field="competencies"
        )
    current = {link.competency_id: link for link in item.links}
    for competency_id in set(current) - set(wanted):
        item.links.remove(current[competency_id])
    for competency_id in wanted:
        if competency_id not in current:
            item.links.append(EvidenceLink(competency_id=competency_id))


def portfolio_bytes(trajectory: Trajectory) -> int:
    total = db.session.scalar(
        select(func.coalesce(func.sum(EvidenceItem.file_size), 0)).where(
            EvidenceItem.trajectory_id == trajectory.id
        )
    )
    return total or 0


def _attach_file(
    item: EvidenceItem, trajectory: Trajectory, upload: CheckedFile, original_name: str | None
) -> None:
    limit = current_app.config["MAX_PORTFOLIO_BYTES"]
    if portfolio_bytes(trajectory) - (item.file_size or 0) + upload.size > limit:
        raise DomainError(
            _(
                "Je portfolio is vol: alle bestanden samen mogen hoogstens %(mb)d MB zijn. Haal "
                "eerst een ander bestand weg.",
                mb=max(1, limit // 1_000_000),
            ),
            field="file",
        )
    _drop_file(item)
    item.file_key = new_key(EXTENSIONS[upload.kind])
    put_after_commit(item.file_key, upload.path)
    if upload.thumbnail is not None:
        item.thumbnail_key = new_key(".jpg")
        put_after_commit(item.thumbnail_key, upload.thumbnail)
    item.file_name = safe_display_name(original_name, upload.kind)
    item.content_type = upload.content_type
    item.file_size = upload.size
    item.file_sha256 = upload.sha256


def _drop_file(item: EvidenceItem) -> None:
    for key in (item.file_key, item.thumbnail_key):
        if key:
            delete_after_commit(key)
    item.file_key = item.thumbnail_key = item.file_name = item.content_type = None
    item.file_sha256 = None
    item.file_size = 0


def add_evidence(
    trajectory: Trajectory,
    data: dict,
    competency_ids: Sequence[str],
    *,
    upload: CheckedFile | None,
    original_name: str | None,
    actor: User,
) -> EvidenceItem:
    """Add an item to the volunteer's own portfolio, linked to chosen competencies."""
    _require_editable(trajectory)
    kind = EvidenceKind(data["kind"])
    _check_fields(data)
    _check_kind(kind, data, upload, has_file=False)
    item = EvidenceItem(trajectory_id=trajectory.id, kind=kind)
    _fill(item, data)
    _set_links(item, trajectory, competency_ids)
    db.session.add(item)
    if upload is not None:
        _attach_file(item, trajectory, upload, original_name)
    db.session.flush()
    log_action(
        "evidence.added",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=item,
        trajectory_id=trajectory.id,
    )
    _touch(trajectory)
    return item


def _fill(item: EvidenceItem, data: dict) -> None:
    item.title = data["title"].strip()
    item.description = (data.get("description") or "").strip()
    item.activity_from = data["activity_from"]
    item.activity_to = data.get("activity_to")
    item.work_context = data["work_context"].strip()
    item.updated_at = utcnow()


def _check_confirmed_statement(item: EvidenceItem, kind: EvidenceKind, data: dict) -> None:
    """What a referee confirmed stays as they read it."""
    referee = item.referee
    if referee is None or referee.status != RefereeStatus.CONFIRMED:
        return
    same = (
        kind == item.kind
        and data["title"].strip() == item.title
        and (data.get("description") or "").strip() == item.description
    )
    if not same:
        raise DomainError(
            _(
                "%(name)s heeft deze verklaring bevestigd. De titel, de soort en de tekst kun je "
                "daarom niet meer wijzigen. Wil je iets anders laten bevestigen? Maak dan een "
                "nieuwe verklaring.",
                name=referee.referee_name,
            )
        )


def update_evidence(
    item: EvidenceItem,
    data: dict,
    competency_ids: Sequence[str],
    *,
    upload: CheckedFile | None,
    original_name: str | None,
    remove_file: bool,
    version_id: int | None,
    actor: User,
) -> None:
    """Change an item; a new file replaces the old one (deleted after the commit)."""
    trajectory = item.trajectory
    _require_editable(trajectory)
    if version_id != item.version_id:
        raise stale_edit()
    kind = EvidenceKind(data["kind"])
    _check_fields(data)
    _check_confirmed_statement(item, kind, data)
    keeps_file = bool(item.file_key) and not remove_file
    if kind == EvidenceKind.STORY and keeps_file:
        raise DomainError(
            _(
                "Een verhaal is alleen tekst. Vink „Huidig bestand weghalen” aan, "
                "of kies een andere soort."
            ),
            field="kind",
        )
    _check_kind(kind, data, upload, has_file=keeps_file and (item.thumbnail_key is not None))
    item.kind = kind
    _fill(item, data)
    _set_links(item, trajectory, competency_ids)
    if remove_file and upload is None:
        _drop_file(item)
    if upload is not None:
        _attach_file(item, trajectory, upload, original_name)
    db.session.flush()
    log_action(
        "evidence.changed", actor=actor, organisation_id=trajectory.organisation_id, obj=item
    )
    _touch(trajectory)


def remove_evidence(item: EvidenceItem, *, actor: User) -> None:
    """Remove an item and its links; its files are deleted after the commit."""
    trajectory = item.trajectory
    _require_editable(trajectory)
    _drop_file(item)
    log_action(
        "evidence.removed",
        actor=actor,
        organisation_id=trajectory.organisation_id,
        obj=item,
        title=item.title,
    )
    db.session.delete(item)
    _touch(trajectory)
    db.session.flush()


def record_access(item: EvidenceItem, *, actor: User, what: str) -> None:
    """Someone other than the owner opened the item or its file: the volunteer can see this."""
    if actor.id == item.trajectory.volunteer_id:
        return
    log_action(
        f"evidence.{what}",
        actor=actor,
        organisation_id=item.trajectory.organisation_id,
        obj=item,
        trajectory_id=item.trajectory_id,
    )


# --- referee statements --------------------------------------------------------------------


def request_referee(
    item: EvidenceItem, *, name: str, role: str, email: str, actor: User
) -> RefereeRequest:
    """Ask a referee (no account needed) to confirm the item through a single-use link."""
    _require_editable(item.trajectory)
    if item.kind != EvidenceKind.REFEREE_STATEMENT:
        raise DomainError(_("Een referent vraag je alleen bij een verklaring."))
    if item.referee is not None and item.referee.status == RefereeStatus.CONFIRMED:
        raise DomainError(_("Deze verklaring is al bevestigd."))
    token = secrets.token_urlsafe(32)
    days = current_app.config["REFEREE_LINK_VALID_DAYS"]
    request = item.referee or RefereeRequest(item=item)
    request.referee_name, request.referee_role = name.strip(), role.strip()
    request.referee_email = email.strip().lower()
    request.token_hash = token_digest(token)
    request.expires_at = utcnow() + timedelta(days=days)
    request.status = RefereeStatus.PENDING
    request.referee_words, request.responded_at = "", None
    db.session.add(request)
    volunteer = item.trajectory.volunteer
    with force_locale(volunteer.language):
        body = render_template(
            "email/referee_request.txt",
            request=request,
            item=item,
            volunteer=volunteer,
            days=days,
            link=absolute_url("portfolio.referee", token=token),
        )
        queue_mail_to_address(
            request.referee_email,
            _("%(name)s vraagt je om een verklaring", name=volunteer.display_name),
            body,
            organisation_id=item.trajectory.organisation_id,
            kind="referee_request",
        )
    log_action(
        "referee.requested", actor=actor, organisation_id=item.trajectory.organisation_id, obj=item
    )
    db.session.flush()
    return request


def find_referee_request(token: str) -> RefereeRequest | None:
    """The pending, unexpired request for this link; used, expired and unknown look the same."""
    request = db.session.scalar(
        select(RefereeRequest).where(RefereeRequest.token_hash == token_digest(token or ""))
    )
    if request is None or request.status != RefereeStatus.PENDING or request.expires_at < utcnow():
        return None
    return request


def answer_referee(request: RefereeRequest, *, confirm: bool, words: str) -> None:
    """The referee confirms (optionally in their own words) or declines; the link is used up."""
    words = (words or "").strip()
    if not confirm and not words:
        raise DomainError(_("Schrijf kort waarom je dit niet kunt bevestigen."), field="words")
    request.status = RefereeStatus.CONFIRMED if confirm else RefereeStatus.DECLINED
    request.referee_words = words
    request.responded_at = utcnow()
    request.token_hash = None  # single use
    item = request.item
    log_action(
        "referee.confirmed" if confirm else "referee.declined",
        organisation_id=item.trajectory.organisation_id,
        obj=item,
    )
    volunteer = item.trajectory.volunteer
    with force_locale(volunteer.language):
        body = render_template(
            "email/referee_answered.txt",
            request=request,
            item=item,
            user=volunteer,
            link=absolute_url("portfolio.item", item_id=item.id),
        )
        queue_mail(
            volunteer,
            _("%(name)s heeft gereageerd op je verklaring", name=request.referee_name),
            body,
        )
    _touch(item.trajectory)
    db.session.flush()


# --- comments ------------------------------------------------------------------------------


def add_comment(item: EvidenceItem, body: str, *, actor: User) -> EvidenceComment:
    """A supervisor's comment or the volunteer's answer; the item itself is not changed."""
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Schrijf eerst een reactie."), field="body")
    comment = EvidenceComment(item=item, author_id=actor.id, body=body)
    db.session.add(comment)
    log_action(
        "evidence.commented", actor=actor, organisation_id=item.trajectory.organisation_id, obj=item
    )
    trajectory = item.trajectory
    other = trajectory.volunteer if actor.id != trajectory.volunteer_id else trajectory.supervisor
    with force_locale(other.language):
        body_text = render_template(
            "email/evidence_comment.txt",
            user=other,
            author=actor,
            item=item,
            link=absolute_url("portfolio.item", item_id=item.id),
        )
        queue_mail(other, _("Nieuwe reactie op „%(title)s”", title=item.title), body_text)
    db.session.flush()
    return comment


# --- the interface the procedure uses ---------------------------------------------------------


def count_evidence(trajectory_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Evidence items per trajectory and competency, in one query (see procedure.evidence)."""
    rows = db.session.execute(
        select(EvidenceItem.trajectory_id, EvidenceLink.competency_id, func.count(EvidenceItem.id))
        .join(EvidenceLink, EvidenceLink.item_id == EvidenceItem.id)
        .where(EvidenceItem.trajectory_id.in_(trajectory_ids))
        .group_by(EvidenceItem.trajectory_id, EvidenceLink.competency_id)
    ).all()
    counts: dict[int, dict[str, int]] = {}
    for trajectory_id, competency_id, count in rows:
        counts.setdefault(trajectory_id, {})[competency_id] = count
    return counts
