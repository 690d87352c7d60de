"""Step 3: the first assessor writes and finalises the report; the final report shows the
self-rating next to the verdict per competency; the first assessor may correct a verdict until
the final interview is done."""

from __future__ import annotations

from collections import Counter

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.assessment import services
from evc.assessment.forms import VERDICT_LABELS, CorrectionForm, ReportForm
from evc.assessment.loaders import CORRECTING, REPORTING, report_url
from evc.assessment.models import AssessmentReport, Assignment
from evc.assessment.views.blueprint import bp
from evc.assessment.views.common import assignment_context, chosen_or_404
from evc.framework import current_framework, page_language
from evc.permissions import can
from evc.procedure.loaders import TRAJECTORY
from evc.procedure.models import Trajectory
from evc.procedure.phases import PHASE_LABELS
from evc.procedure.progress import load_progress
from evc.web import actor, done, page, permission, save, stored_version


@bp.route("/beoordelingen/<int:assignment_id>/rapport", methods=["GET", "POST"])
@permission(
    "assignment.write_report", REPORTING, refusal=_l("Het rapport schrijft de eerste beoordelaar.")
)
def write_report(assignment: Assignment):
    trajectory = assignment.trajectory
    report = services.report_of(trajectory)
    form = ReportForm(obj=report)
    finalising = request.form.get("action") == "finalise"

    def action():
        return _finalise(assignment, form) if finalising else _save_summary(assignment, form)

    def conflict():
        return stored_version(form, AssessmentReport, trajectory_id=trajectory.id)

    return save(form, action, _report_page(assignment, form, report), conflict=conflict)


def _finalise(assignment: Assignment, form: ReportForm):
    version = form.version_id.data or None
    services.finalise(assignment, form.summary.data or "", version_id=version, actor=actor())
    message = _("Het rapport is definitief. De vrijwilliger en de begeleider krijgen een e-mail.")
    return done(report_url(assignment.trajectory), message)


def _save_summary(assignment: Assignment, form: ReportForm):
    version = form.version_id.data or None
    services.save_summary(assignment, form.summary.data or "", version_id=version, actor=actor())
    back = url_for("assessment.write_report", assignment_id=assignment.id)
    return done(back, _("De samenvatting is opgeslagen."))


def _report_page(assignment: Assignment, form: ReportForm, report):
    trajectory = assignment.trajectory
    load_progress([trajectory])
    return page(
        "assessment/write_report.html",
        form=form,
        report=report,
        judgements=services.judgements_of(assignment),
        missing=services.unjudged(assignment),
        differences=services.differences(assignment),
        two_assessors=services.settings_of(trajectory.organisation_id).two_assessors,
        **assignment_context(assignment),
    )


@bp.route("/trajecten/<int:trajectory_id>/beoordeling")
@permission("assessment.report_view", TRAJECTORY)
def report(trajectory: Trajectory):
    """The final report: self-rating next to the assessor's verdict, per competency."""
    load_progress([trajectory])
    framework = current_framework(trajectory.framework_id)
    outcome = services.outcome(trajectory)
    lead = services.final_assignment(trajectory.id)
    return render_template(
        "assessment/report.html",
        trajectory=trajectory,
        report=services.report_of(trajectory),
        rows=_report_rows(trajectory, framework, outcome),
        scale=framework.scale,
        language=page_language(),
        assignments=services.finalised_assignments(trajectory),
        lead=lead,
        counts=Counter(o.verdict for o in outcome.values()),
        verdict_labels=VERDICT_LABELS,
        may_correct=lead is not None and can("assignment.correct", lead),
        phase_labels=PHASE_LABELS,
    )


def _report_rows(trajectory: Trajectory, framework, outcome: dict) -> list[dict]:
    """Per chosen competency: its name, the volunteer's own rating and the outcome."""
    language = page_language()
    return [
        _own_rating(cid, trajectory.progress, framework, language) | {"outcome": outcome.get(cid)}
        for cid in trajectory.progress.chosen
    ]


def _own_rating(competency_id: str, progress, framework, language: str) -> dict:
    """The competency's name and the rating the volunteer gave themselves, if any."""
    own = progress.self_assessments.get(competency_id)
    rating = own.rating if own else None
    return {
        "competency_id": competency_id,
        "name": framework.competency(competency_id).name(language),
        "rating": rating,
        "rating_label": framework.scale[rating - 1].label(language) if rating else None,
    }


@bp.route(
    "/beoordelingen/<int:assignment_id>/competenties/<competency_id>/correctie",
    methods=["GET", "POST"],
)
@permission(
    "assignment.correct",
    CORRECTING,
    refusal=_l(
        "Een correctie kan alleen de eerste beoordelaar doen, tot het eindgesprek klaar is."
    ),
)
def correct(assignment: Assignment, competency_id: str):
    trajectory = assignment.trajectory
    chosen_or_404(trajectory, competency_id)
    form = CorrectionForm()

    def action():
        services.correct(assignment, competency_id, form.correction(), actor=actor())
        message = _("De correctie is opgeslagen en staat in de geschiedenis van het rapport.")
        return done(report_url(trajectory), message)

    view = page(
        "assessment/correct.html",
        form=form,
        current=services.outcome(trajectory).get(competency_id),
        competency=current_framework(trajectory.framework_id).competency(competency_id),
        **assignment_context(assignment),
    )
    return save(form, action, view)
