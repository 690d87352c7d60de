"""Writes of the portfolio. Files are checked by ``portfolio.files`` and promoted into storage
only after the commit (``evc.storage``); a rolled-back request leaves no file and no row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from evc.accounts.models import User
from evc.db import utcnow
from evc.errors import DomainError, refuse_if_stale
from evc.extensions import db
from evc.portfolio.filenames import safe_display_name
from evc.portfolio.files import EXTENSIONS, CheckedFile
from evc.portfolio.models import (
    EvidenceItem,
    EvidenceKind,
    EvidenceLink,
    RefereeStatus,
)
from evc.portfolio.services.common import log_on_item, require_editable, touch
from evc.procedure.models import CompetencyChoice, Trajectory
from evc.storage import delete_after_commit, new_key, put_after_commit


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
    wanted = _chosen_for_item(trajectory, competency_ids)
    current = {link.competency_id: link for link in item.links}
    for competency_id in set(current) - set(wanted):
        item.links.remove(current[competency_id])
    for competency_id in wanted:
        if competency_id not in current:
            item.links.append(EvidenceLink(competency_id=competency_id))


def _chosen_for_item(trajectory: Trajectory, competency_ids: Sequence[str]) -> list[str]:
    """The competencies ticked for the item, once each; all chosen in the trajectory."""
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
    return wanted


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
    _check_room(item, trajectory, upload)
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


def _check_room(item: EvidenceItem, trajectory: Trajectory, upload: CheckedFile) -> None:
    """The upload fits in the portfolio, counting the item's current file as gone."""
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
    require_editable(trajectory)
    item = _new_item(trajectory, data, competency_ids, upload)
    if upload is not None:
        _attach_file(item, trajectory, upload, original_name)
    db.session.flush()
    log_on_item(item, "evidence.added", actor=actor, trajectory_id=trajectory.id)
    touch(trajectory)
    return item


def _new_item(
    trajectory: Trajectory, data: dict, competency_ids: Sequence[str], upload: CheckedFile | None
) -> EvidenceItem:
    """A new item from the form, once it passes the checks."""
    kind = EvidenceKind(data["kind"])
    _check_fields(data)
    _check_kind(kind, data, upload, has_file=False)
    item = EvidenceItem(trajectory_id=trajectory.id, kind=kind)
    _fill(item, trajectory, data, competency_ids)
    db.session.add(item)
    return item


def _fill(
    item: EvidenceItem, trajectory: Trajectory, data: dict, competency_ids: Sequence[str]
) -> None:
    """The item's texts, dates and competencies as the form gives them."""
    item.title = data["title"].strip()
    item.description = (data.get("description") or "").strip()
    item.activity_from = data["activity_from"]
    item.activity_to = data.get("activity_to")
    item.work_context = data["work_context"].strip()
    item.updated_at = utcnow()
    _set_links(item, trajectory, competency_ids)


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
    require_editable(trajectory)
    refuse_if_stale(item, version_id)
    item.kind = _checked_change(item, data, upload, remove_file=remove_file)
    _fill(item, trajectory, data, competency_ids)
    _replace_file(item, trajectory, upload, original_name, remove_file=remove_file)
    db.session.flush()
    log_on_item(item, "evidence.changed", actor=actor)
    touch(trajectory)


def _replace_file(
    item: EvidenceItem,
    trajectory: Trajectory,
    upload: CheckedFile | None,
    original_name: str | None,
    *,
    remove_file: bool,
) -> None:
    """A new file takes the place of the old one; without one, ``remove_file`` drops it."""
    if upload is not None:
        _attach_file(item, trajectory, upload, original_name)
    elif remove_file:
        _drop_file(item)


def _checked_change(
    item: EvidenceItem, data: dict, upload: CheckedFile | None, *, remove_file: bool
) -> EvidenceKind:
    """The item's new kind, once the change passes the checks of a new item, leaves what a
    referee confirmed as it was, and keeps no file on a story."""
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
    return kind


def remove_evidence(item: EvidenceItem, *, actor: User) -> None:
    """Remove an item and its links; its files are deleted after the commit."""
    trajectory = item.trajectory
    require_editable(trajectory)
    _drop_file(item)
    log_on_item(item, "evidence.removed", actor=actor, title=item.title)
    db.session.delete(item)
    touch(trajectory)
    db.session.flush()


def record_access(item: EvidenceItem, *, actor: User, what: str) -> None:
    """Someone other than the owner opened the item or its file: the volunteer can see this."""
    if actor.id == item.trajectory.volunteer_id:
        return
    log_on_item(item, f"evidence.{what}", actor=actor, trajectory_id=item.trajectory_id)
