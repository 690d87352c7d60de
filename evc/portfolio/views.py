"""Screens of the portfolio: overview, add/edit/remove evidence, files, referees, comments."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.views import apply_form_error
from evc.audit import AuditEntry
from evc.errors import DomainError
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.framework import current_framework
from evc.mail import send_pending
from evc.once import consume_once
from evc.permissions import can, permission, public, require
from evc.portfolio import services
from evc.portfolio.files import CheckedFile, check_upload, content_disposition
from evc.portfolio.forms import CommentForm, EvidenceForm, RefereeAnswerForm, RefereeForm
from evc.portfolio.models import EvidenceItem, EvidenceKind, RefereeStatus
from evc.procedure.models import Trajectory
from evc.procedure.views import load_trajectory, refuse
from evc.storage import discard_on_rollback, storage, temp_dir

bp = Blueprint("portfolio", __name__)

CHUNK = 64 * 1024


def _actor():
    return current_user._get_current_object()


def load_item(item_id: int) -> EvidenceItem:
    """An evidence item the current user may see; else 404."""
    item = db.session.get(
        EvidenceItem,
        item_id,
        options=[
            joinedload(EvidenceItem.trajectory).joinedload(Trajectory.volunteer),
            selectinload(EvidenceItem.links),
        ],
    )
    if item is None:
        abort(404)
    require("evidence.view", item)
    return item


# --- receiving a file ------------------------------------------------------------------------


def receive_upload() -> tuple[CheckedFile | None, str | None]:
    """Copy the uploaded file to a temp file in chunks (never whole in memory), stopping as soon
    as it is too large, then check it. Temp files are removed on rollback or after storing."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, None
    limit = current_app.config["MAX_FILE_BYTES"]
    path = temp_dir() / f"upload-{secrets.token_hex(16)}"
    discard_on_rollback(path)
    if not _copy_limited(upload.stream, path, limit):
        raise DomainError(
            _(
                "Het bestand is te groot. Het mag hoogstens %(mb)d MB zijn.",
                mb=max(1, limit // 1_000_000),
            ),
            field="file",
        )
    checked = check_upload(path, max_bytes=limit, workdir=temp_dir())
    for extra in (checked.path, checked.thumbnail):
        if extra is not None and extra != path:
            discard_on_rollback(extra)
    return checked, upload.filename


def _copy_limited(stream, path, limit: int) -> bool:
    """Copy ``stream`` to ``path``; False (and a partial file) as soon as it exceeds ``limit``."""
    written = 0
    with path.open("wb") as target:
        while chunk := stream.read(CHUNK):
            written += len(chunk)
            if written > limit:
                return False
            target.write(chunk)
    return True


def kind_labels() -> dict[str, str]:
    """The evidence kinds on screen, translated once per page (lists show hundreds)."""
    return {
        EvidenceKind.PHOTO: _("Foto"),
        EvidenceKind.DOCUMENT: _("Document"),
        EvidenceKind.STORY: _("Verhaal (STARR)"),
        EvidenceKind.REFEREE_STATEMENT: _("Verklaring"),
        EvidenceKind.CERTIFICATE: _("Certificaat of diploma"),
        EvidenceKind.OTHER: _("Iets anders"),
    }


# --- overview --------------------------------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/portfolio")
@permission("trajectory.view", per_object=True)
def overview(trajectory_id: int):
    trajectory = load_trajectory(trajectory_id)
    items = db.session.scalars(
        select(EvidenceItem)
        .where(EvidenceItem.trajectory_id == trajectory.id)
        .options(selectinload(EvidenceItem.links), selectinload(EvidenceItem.referee))
        .order_by(EvidenceItem.activity_from.desc(), EvidenceItem.id.desc())
    ).all()
    framework = current_framework(trajectory.framework_id)
    chosen = list(trajectory.progress.chosen)
    matrix = {cid: [i for i in items if cid in i.competency_ids] for cid in chosen}
    return render_template(
        "portfolio/overview.html",
        trajectory=trajectory,
        items=items,
        framework=framework,
        chosen=chosen,
        matrix=matrix,
        tips=vraak_tips(items, matrix, framework),
        used_mb=round(sum(i.file_size for i in items) / 1_000_000, 1),
        kind_labels=kind_labels(),
        limit_mb=current_app.config["MAX_PORTFOLIO_BYTES"] // 1_000_000,
    )


def vraak_tips(items, matrix, framework) -> list[str]:
    """Plain-language VRAAK tips: advice, never a block."""
    from flask_babel import get_locale

    language = str(get_locale() or "nl")
    tips = []
    for competency_id, linked in matrix.items():
        if len(linked) < 2:
            tips.append(
                _(
                    "Kwantiteit: voeg nog een bewijsstuk toe voor %(name)s. Twee of meer "
                    "stukken maken je bewijs sterker.",
                    name=framework.competency(competency_id).name(language),
                )
            )
    five_years_ago = date.today() - timedelta(days=5 * 365)
    for item in items:
        if (item.activity_to or item.activity_from) < five_years_ago:
            tips.append(
                _(
                    "Actualiteit: „%(title)s” is ouder dan vijf jaar. Heb je ook iets van "
                    "de laatste jaren?",
                    title=item.title,
                )
            )
    contexts = {i.work_context.strip().lower() for i in items}
    if len(items) >= 2 and len(contexts) == 1:
        tips.append(
            _(
                "Variatie: al je bewijs komt uit hetzelfde vrijwilligerswerk. Bewijs uit "
                "een andere situatie laat zien dat je het vaker kunt."
            )
        )
    return tips


# --- adding and editing --------------------------------------------------------------------------


def _evidence_form(trajectory: Trajectory, item: EvidenceItem | None = None) -> EvidenceForm:
    from flask_babel import get_locale

    language = str(get_locale() or "nl")
    form = EvidenceForm(obj=item)
    framework = current_framework(trajectory.framework_id)
    form.competencies.choices = [
        (cid, framework.competency(cid).name(language)) for cid in trajectory.progress.chosen
    ]
    form.file.description = _(
        "PDF, foto (JPG of PNG), Word (DOCX) of OpenDocument (ODT). Hoogstens %(mb)d MB.",
        mb=current_app.config["MAX_FILE_BYTES"] // 1_000_000,
    )
    if request.method == "GET" and item is not None:
        form.competencies.data = item.competency_ids
        form.version_id.data = item.version_id
    return form


def _form_data(form: EvidenceForm) -> dict:
    return {
        name: getattr(form, name).data
        for name in ("kind", "title", "description", "activity_from", "activity_to", "work_context")
    }


@bp.route("/trajecten/<int:trajectory_id>/portfolio/nieuw", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def add(trajectory_id: int):
    trajectory = load_trajectory(trajectory_id)
    if not can("portfolio.add", trajectory):
        return refuse(
            trajectory,
            _("Alleen de vrijwilliger voegt bewijs toe, en alleen tot het portfolio is ingediend."),
        )
    form = _evidence_form(trajectory)
    status = 200
    if form.validate_on_submit():
        try:
            consume_once(form)
            upload, name = receive_upload()
            item = services.add_evidence(
                trajectory,
                _form_data(form),
                form.competencies.data,
                upload=upload,
                original_name=name,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("Je bewijs „%(title)s” is toegevoegd.", title=item.title), "success")
            return redirect(url_for("portfolio.overview", trajectory_id=trajectory.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "portfolio/edit.html",
        form=form,
        trajectory=trajectory,
        item=None,
        no_choice=not trajectory.progress.chosen,
    ), status


@bp.route("/bewijs/<int:item_id>/bewerken", methods=["GET", "POST"])
@permission("evidence.view", per_object=True)
def edit(item_id: int):
    item = load_item(item_id)
    if not can("evidence.edit", item):
        return refuse(
            item.trajectory,
            _("Alleen de vrijwilliger past bewijs aan, en alleen tot het portfolio is ingediend."),
        )
    form = _evidence_form(item.trajectory, item)
    status = 200
    if form.validate_on_submit():
        try:
            upload, name = receive_upload()
            services.update_evidence(
                item,
                _form_data(form),
                form.competencies.data,
                upload=upload,
                original_name=name,
                remove_file=form.remove_file.data,
                version_id=form.version_id.data,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("Je wijzigingen zijn opgeslagen."), "success")
            return redirect(url_for("portfolio.item", item_id=item.id))
    elif form.is_submitted():
        status = 422
    return render_template(
        "portfolio/edit.html", form=form, trajectory=item.trajectory, item=item, no_choice=False
    ), status


@bp.route("/bewijs/<int:item_id>/verwijderen", methods=["GET", "POST"])
@permission("evidence.view", per_object=True)
def remove(item_id: int):
    item = load_item(item_id)
    if not can("evidence.edit", item):
        return refuse(
            item.trajectory,
            _("Alleen de vrijwilliger haalt bewijs weg, en alleen tot het portfolio is ingediend."),
        )
    form = EmptyForm()
    if form.validate_on_submit():
        trajectory_id, title = item.trajectory_id, item.title
        services.remove_evidence(item, actor=_actor())
        db.session.commit()
        flash(_("„%(title)s” is weggehaald.", title=title), "success")
        return redirect(url_for("portfolio.overview", trajectory_id=trajectory_id))
    return render_template("portfolio/remove.html", item=item, form=form)


# --- reading -------------------------------------------------------------------------------


@bp.route("/bewijs/<int:item_id>")
@permission("evidence.view", per_object=True)
def item(item_id: int):
    evidence = load_item(item_id)
    services.record_access(evidence, actor=_actor(), what="viewed")
    db.session.commit()
    framework = current_framework(evidence.trajectory.framework_id)
    return render_template(
        "portfolio/item.html",
        item=evidence,
        framework=framework,
        kind_labels=kind_labels(),
        comment_form=CommentForm(),
        referee=evidence.referee,
        RefereeStatus=RefereeStatus,
        EvidenceKind=EvidenceKind,
    )


@bp.route("/bewijs/<int:item_id>/bestand")
@permission("evidence.view", per_object=True)
def download(item_id: int):
    """The file, always as an attachment, sandboxed and not cached."""
    evidence = load_item(item_id)
    if not evidence.file_key:
        abort(404)
    services.record_access(evidence, actor=_actor(), what="downloaded")
    db.session.commit()
    response = send_file(
        storage().open(evidence.file_key),
        mimetype=evidence.content_type,
        as_attachment=True,
        download_name="x",
        max_age=0,
        conditional=False,
    )
    response.headers["Content-Disposition"] = content_disposition(evidence.file_name or "bestand")
    _harden(response)
    return response


@bp.route("/bewijs/<int:item_id>/miniatuur")
@permission("evidence.view", per_object=True)
def thumbnail(item_id: int):
    """A small re-encoded JPEG of a photo: safe to show inline."""
    evidence = load_item(item_id)
    if not evidence.thumbnail_key:
        abort(404)
    response = send_file(
        storage().open(evidence.thumbnail_key), mimetype="image/jpeg", max_age=0, conditional=False
    )
    _harden(response)
    return response


def _harden(response) -> None:
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "no-store"


@bp.route("/trajecten/<int:trajectory_id>/portfolio/inzage")
@permission("trajectory.view", per_object=True)
def access_log(trajectory_id: int):
    """Who (other than the volunteer) opened which evidence, and when."""
    trajectory = load_trajectory(trajectory_id)
    if not can("portfolio.access_log", trajectory):
        abort(404)
    item_ids = select(EvidenceItem.id).where(EvidenceItem.trajectory_id == trajectory.id)
    entries = db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.object_type == "EvidenceItem",
            AuditEntry.object_id.in_(item_ids),
            AuditEntry.action.in_(("evidence.viewed", "evidence.downloaded")),
        )
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc())
        .limit(200)
    ).all()
    titles = dict(
        db.session.execute(
            select(EvidenceItem.id, EvidenceItem.title).where(
                EvidenceItem.trajectory_id == trajectory.id
            )
        ).all()
    )
    return render_template(
        "portfolio/access_log.html", trajectory=trajectory, entries=entries, titles=titles
    )


# --- referee statements and comments ---------------------------------------------------------


@bp.route("/bewijs/<int:item_id>/verklaring-vragen", methods=["GET", "POST"])
@permission("evidence.view", per_object=True)
def ask_referee(item_id: int):
    evidence = load_item(item_id)
    if not can("evidence.edit", evidence):
        return refuse(evidence.trajectory, _("Alleen de vrijwilliger vraagt een verklaring aan."))
    form = RefereeForm()
    status = 200
    if form.validate_on_submit():
        try:
            consume_once(form)
            services.request_referee(
                evidence,
                name=form.name.data,
                role=form.role.data,
                email=form.email.data,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            db.session.commit()
            send_pending()
            flash(
                _(
                    "%(name)s krijgt een e-mail met een link om je verklaring te bevestigen.",
                    name=form.name.data,
                ),
                "success",
            )
            return redirect(url_for("portfolio.item", item_id=evidence.id))
    elif form.is_submitted():
        status = 422
    return render_template("portfolio/ask_referee.html", form=form, item=evidence), status


@bp.route("/verklaring/<token>", methods=["GET", "POST"])
@public
def referee(token: str):
    """The referee's page: no account, a single-use expiring link."""
    request_record = services.find_referee_request(token)
    if request_record is None:
        return render_template("portfolio/referee_invalid.html"), 410
    form = RefereeAnswerForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.answer_referee(
                request_record, confirm=form.answer.data == "confirm", words=form.words.data
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            db.session.commit()
            send_pending()
            return render_template("portfolio/referee_done.html", request_record=request_record)
    elif form.is_submitted():
        status = 422
    item_record = request_record.item
    return render_template(
        "portfolio/referee.html",
        form=form,
        request_record=request_record,
        item=item_record,
        volunteer=item_record.trajectory.volunteer,
    ), status


@bp.route("/bewijs/<int:item_id>/reactie", methods=["POST"])
@permission("evidence.view", per_object=True)
def comment(item_id: int):
    evidence = load_item(item_id)
    if not can("evidence.comment", evidence):
        abort(404)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            consume_once(form)
            services.add_comment(evidence, form.body.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            db.session.commit()
            send_pending()
            flash(_("Je reactie is geplaatst."), "success")
    else:
        flash(_("Schrijf eerst een reactie."), "error")
    return redirect(url_for("portfolio.item", item_id=evidence.id) + "#reacties")


def init_app(app) -> None:
    """Tell the procedure how to count evidence, and set up file storage."""
    from evc import storage as storage_module
    from evc.procedure.evidence import register_evidence_counter

    storage_module.init_app(app)
    register_evidence_counter(app, services.count_evidence)
