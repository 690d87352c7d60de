"""The portfolio overview with its VRAAK tips, and adding, changing and removing evidence."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.formfields import EmptyForm
from evc.framework import current_framework, page_language
from evc.once import consume_once
from evc.portfolio import services
from evc.portfolio.forms import EvidenceForm
from evc.portfolio.loaders import ITEM
from evc.portfolio.models import EvidenceItem, EvidenceKind
from evc.portfolio.views.blueprint import bp
from evc.portfolio.views.upload import receive_upload
from evc.procedure.loaders import TRAJECTORY
from evc.procedure.models import Trajectory
from evc.web import actor, done, page, permission, save, stored_version

FIELDS = ("kind", "title", "description", "activity_from", "activity_to", "work_context")


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


def _overview_url(trajectory_id: int) -> str:
    return url_for("portfolio.overview", trajectory_id=trajectory_id)


# --- overview --------------------------------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/portfolio")
@permission("trajectory.view", TRAJECTORY)
def overview(trajectory: Trajectory):
    items = services.items_of(trajectory)
    framework = current_framework(trajectory.framework_id)
    chosen = list(trajectory.progress.chosen)
    matrix = {cid: [i for i in items if cid in i.competency_ids] for cid in chosen}
    return page(
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
    ).render()


def vraak_tips(items, matrix, framework) -> list[str]:
    """Plain-language VRAAK tips: advice, never a block."""
    return [*_quantity_tips(matrix, framework), *_currency_tips(items), *_variety_tips(items)]


def _quantity_tips(matrix, framework) -> list[str]:
    return [
        _(
            "Kwantiteit: voeg nog een bewijsstuk toe voor %(name)s. Twee of meer "
            "stukken maken je bewijs sterker.",
            name=framework.competency(competency_id).name(page_language()),
        )
        for competency_id, linked in matrix.items()
        if len(linked) < 2
    ]


def _currency_tips(items) -> list[str]:
    five_years_ago = date.today() - timedelta(days=5 * 365)
    return [
        _(
            "Actualiteit: „%(title)s” is ouder dan vijf jaar. Heb je ook iets van "
            "de laatste jaren?",
            title=item.title,
        )
        for item in items
        if (item.activity_to or item.activity_from) < five_years_ago
    ]


def _variety_tips(items) -> list[str]:
    contexts = {i.work_context.strip().lower() for i in items}
    if len(items) < 2 or len(contexts) != 1:
        return []
    return [
        _(
            "Variatie: al je bewijs komt uit hetzelfde vrijwilligerswerk. Bewijs uit "
            "een andere situatie laat zien dat je het vaker kunt."
        )
    ]


# --- adding and editing --------------------------------------------------------------------------


def _evidence_form(trajectory: Trajectory, item: EvidenceItem | None = None) -> EvidenceForm:
    form = EvidenceForm(obj=item)
    framework = current_framework(trajectory.framework_id)
    form.competencies.choices = framework.choices(trajectory.progress.chosen, page_language())
    form.file.description = _(
        "PDF, foto (JPG of PNG), Word (DOCX) of OpenDocument (ODT). Hoogstens %(mb)d MB.",
        mb=current_app.config["MAX_FILE_BYTES"] // 1_000_000,
    )
    if request.method == "GET" and item is not None:
        form.competencies.data = item.competency_ids
    return form


def _form_data(form: EvidenceForm) -> dict:
    return {name: getattr(form, name).data for name in FIELDS}


@bp.route("/trajecten/<int:trajectory_id>/portfolio/nieuw", methods=["GET", "POST"])
@permission(
    "portfolio.add",
    TRAJECTORY,
    refusal=_l(
        "Alleen de vrijwilliger voegt bewijs toe, en alleen tot het portfolio is ingediend."
    ),
)
def add(trajectory: Trajectory):
    form = _evidence_form(trajectory)

    def action():
        consume_once(form)
        upload, name = receive_upload()
        item = services.add_evidence(
            trajectory, _form_data(form), form.competencies.data or [],
            upload=upload, original_name=name, actor=actor(),
        )  # fmt: skip
        message = _("Je bewijs „%(title)s” is toegevoegd.", title=item.title)
        return done(_overview_url(trajectory.id), message)

    view = page(
        "portfolio/edit.html",
        form=form, trajectory=trajectory, item=None, no_choice=not trajectory.progress.chosen,
    )  # fmt: skip
    return save(form, action, view)


@bp.route("/bewijs/<int:item_id>/bewerken", methods=["GET", "POST"])
@permission(
    "evidence.edit",
    ITEM,
    refusal=_l(
        "Alleen de vrijwilliger past bewijs aan, en alleen tot het portfolio is ingediend."
    ),
)
def edit(item: EvidenceItem):
    form = _evidence_form(item.trajectory, item)

    def action():
        upload, name = receive_upload()
        services.update_evidence(
            item, _form_data(form), form.competencies.data or [],
            upload=upload, original_name=name, remove_file=form.remove_file.data,
            version_id=form.version_id.data, actor=actor(),
        )  # fmt: skip
        message = _("Je wijzigingen zijn opgeslagen.")
        return done(url_for("portfolio.item", item_id=item.id), message)

    view = page(
        "portfolio/edit.html", form=form, trajectory=item.trajectory, item=item, no_choice=False
    )
    conflict = lambda: stored_version(form, EvidenceItem, id=item.id)  # noqa: E731
    return save(form, action, view, conflict=conflict)


@bp.route("/bewijs/<int:item_id>/verwijderen", methods=["GET", "POST"])
@permission(
    "evidence.edit",
    ITEM,
    refusal=_l(
        "Alleen de vrijwilliger haalt bewijs weg, en alleen tot het portfolio is ingediend."
    ),
)
def remove(item: EvidenceItem):
    form = EmptyForm()
    trajectory_id, title = item.trajectory_id, item.title

    def action():
        services.remove_evidence(item, actor=actor())
        return done(_overview_url(trajectory_id), _("„%(title)s” is weggehaald.", title=title))

    return save(form, action, page("portfolio/remove.html", item=item, form=form))
