"""Choosing competencies and writing the self-assessment for each chosen one."""

from __future__ import annotations

from flask import abort, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.formfields import filled
from evc.framework import current_framework, page_language
from evc.permissions import can
from evc.procedure import services
from evc.procedure.forms import ChooseCompetenciesForm, SelfAssessmentForm
from evc.procedure.loaders import TRAJECTORY, trajectory_url
from evc.procedure.models import STARR_FIELDS, SelfAssessment, Trajectory
from evc.procedure.phases import Phase
from evc.procedure.views.blueprint import bp
from evc.web import actor, done, page, permission, save, stored_version


@bp.route("/trajecten/<int:trajectory_id>/competenties", methods=["GET", "POST"])
@permission(
    "competencies.choose",
    TRAJECTORY,
    refusal=_l("Competenties kies je in de fase herkennen, voordat het portfolio is ingediend."),
)
def choose(trajectory: Trajectory):
    framework = current_framework(trajectory.framework_id)
    form = ChooseCompetenciesForm()
    form.competencies.choices = framework.choices(framework.competency_ids, page_language())
    if not form.is_submitted():
        form.competencies.data = list(trajectory.progress.chosen)

    def action():
        services.choose_competencies(trajectory, filled(form.competencies.data), actor=actor())
        message = _("Je keuze is opgeslagen. Beoordeel jezelf nu op elke gekozen competentie.")
        return done(trajectory_url(trajectory), message)

    view = page("procedure/choose.html", form=form, trajectory=trajectory, framework=framework)
    return save(form, action, view)


# --- the self-assessment -----------------------------------------------------------------------
# Everyone who sees the trajectory may read it; saving is for the volunteer and the supervisor
# while the trajectory is in recognition, and the refusal says which of the two is missing.


@bp.route("/trajecten/<int:trajectory_id>/zelfbeoordeling/<competency_id>", methods=["GET", "POST"])
@permission("trajectory.view", TRAJECTORY)
def self_assessment(trajectory: Trajectory, competency_id: str):
    if competency_id not in trajectory.progress.chosen:
        abort(404)
    if request.method != "POST":
        return _editor(trajectory, competency_id)
    in_recognition = trajectory.phase == Phase.RECOGNITION
    write = _save_in_recognition if in_recognition else _save_after_submission
    return write(trajectory_id=trajectory.id, competency_id=competency_id)


def _editor(trajectory: Trajectory, competency_id: str):
    """The self-assessment of one competency: shown, and saved when posted."""
    framework = current_framework(trajectory.framework_id)
    competency = framework.competency(competency_id)
    saved = services.self_assessment_of(trajectory, competency_id)
    form = _self_assessment_form(framework, saved)
    view = page(
        "procedure/self_assessment.html",
        form=form, trajectory=trajectory, competency=competency, saved=saved,
        editable=can("self_assessment.edit", trajectory), framework=framework,
        language=page_language(),
    )  # fmt: skip
    where = {"trajectory_id": trajectory.id, "competency_id": competency_id}
    conflict = lambda: stored_version(form, SelfAssessment, **where)  # noqa: E731
    return save(form, lambda: _save(trajectory, competency, form), view, conflict=conflict)


def _save(trajectory: Trajectory, competency, form: SelfAssessmentForm):
    data = {"rating": form.rating.data, **{f: getattr(form, f).data for f in STARR_FIELDS}}
    version = form.version_id.data or None
    stored = services.save_self_assessment(
        trajectory, competency.id, data, version_id=version, actor=actor()
    )
    return done(trajectory_url(trajectory), _saved_message(stored, competency))


_save_in_recognition = permission(
    "self_assessment.edit",
    TRAJECTORY,
    refusal=_l("Alleen de vrijwilliger en de begeleider vullen de zelfbeoordeling in."),
)(_editor)
_save_after_submission = permission(
    "self_assessment.edit",
    TRAJECTORY,
    refusal=_l("Je zelfbeoordeling is ingediend en kan niet meer worden gewijzigd."),
)(_editor)


def _self_assessment_form(framework, saved: SelfAssessment | None) -> SelfAssessmentForm:
    form = SelfAssessmentForm(obj=saved)
    language = page_language()
    form.rating.choices = [
        (p.value, f"{p.label(language)}: {p.description(language)}") for p in framework.scale
    ]
    return form


def _saved_message(stored: SelfAssessment, competency) -> str:
    if stored.is_complete:
        return _(
            "Opgeslagen. Je zelfbeoordeling voor %(name)s is compleet.",
            name=competency.name(page_language()),
        )
    return _("Opgeslagen als concept. Je kunt later verder schrijven.")
