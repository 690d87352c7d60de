"""The assessor's work: the workspace, step 1 (is the portfolio complete?), step 2 (a judgement
per competency, reading the evidence), and with two assessors: done, and the differences."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from evc.assessment import services
from evc.assessment.forms import (
    CRITERION_LABELS,
    CRITERION_QUESTIONS,
    CompletenessForm,
    JudgementForm,
    ResolutionForm,
)
from evc.assessment.loaders import ASSIGNMENT, report_url, workspace_url
from evc.assessment.models import CRITERIA, Assignment, AssignmentStatus, Judgement
from evc.assessment.views.blueprint import bp
from evc.assessment.views.common import assignment_context, chosen_or_404
from evc.formfields import EmptyForm, filled
from evc.framework import current_framework
from evc.permissions import can
from evc.portfolio import services as portfolio_services
from evc.portfolio.models import EvidenceItem
from evc.portfolio.views import kind_labels
from evc.procedure.progress import load_progress
from evc.procedure.services import self_assessment_of
from evc.web import (
    actor,
    commit,
    done,
    get_or_404,
    page,
    permission,
    press,
    refuse,
    save,
    stored_version,
)

# --- the workspace -----------------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>")
@permission("assignment.view", ASSIGNMENT)
def workspace(assignment: Assignment):
    if assignment.status == AssignmentStatus.ASSIGNED:
        return redirect(url_for("assessment.declare", assignment_id=assignment.id))
    if assignment.status == AssignmentStatus.FINALISED:
        return redirect(report_url(assignment.trajectory))
    load_progress([assignment.trajectory])
    return render_template(
        "assessment/workspace.html", **_workspace(assignment), **assignment_context(assignment)
    )


def _workspace(assignment: Assignment) -> dict:
    trajectory = assignment.trajectory
    return {
        "rows": services.checklist(trajectory),
        "judgements": services.judgements_of(assignment),
        "returns": services.returns_of(trajectory.id),
        "partner": services.partner_of(assignment),
        "both_judged": services.both_judged(assignment),
        "differences": services.differences(assignment),
        "two_assessors": services.settings_of(trajectory.organisation_id).two_assessors,
        "report": services.report_of(trajectory),
        "working": can("assignment.work", assignment),
        "button_form": EmptyForm(),
    }


# --- step 1: completeness ----------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>/controle", methods=["GET", "POST"])
@permission("assignment.check", ASSIGNMENT, refusal=_l("Controleren kan nu niet."))
def completeness(assignment: Assignment):
    rows = services.checklist(assignment.trajectory)
    form = CompletenessForm()
    notes = {row.competency_id: request.form.get(f"note-{row.competency_id}", "") for row in rows}
    view = page(
        "assessment/completeness.html",
        form=form,
        rows=rows,
        notes=notes,
        returns=services.returns_of(assignment.trajectory_id),
        **assignment_context(assignment),
    )
    return save(form, lambda: _decide_completeness(assignment, form, notes), view)


def _decide_completeness(assignment: Assignment, form: CompletenessForm, notes: dict[str, str]):
    """Complete: on to judging. Not complete: back to the volunteer with the notes."""
    if form.decision.data == "complete":
        services.confirm_complete(assignment, actor=actor())
        message = _("Het portfolio is compleet. Beoordeel nu elke competentie.")
        return done(workspace_url(assignment), message)
    services.return_for_more(assignment, notes, form.general_note.data or "", actor=actor())
    return done(url_for("assessment.queue"), _returned_message())


def _returned_message() -> str:
    return _(
        "Het portfolio is teruggestuurd. De vrijwilliger en de begeleider krijgen een "
        "e-mail. Je gaat verder als het opnieuw is ingediend."
    )


# --- step 2: recognition ----------------------------------------------------------------------


@bp.route(
    "/beoordelingen/<int:assignment_id>/competenties/<competency_id>", methods=["GET", "POST"]
)
@permission("assignment.work", ASSIGNMENT, refusal=_l("Beoordelen kan nu niet."))
def judge(assignment: Assignment, competency_id: str):
    chosen_or_404(assignment.trajectory, competency_id)
    blocked = _not_judging_now(assignment)
    if blocked:
        return refuse(blocked, workspace_url(assignment))
    saved = services.judgements_of(assignment).get(competency_id)
    form = _judgement_form(saved)

    def action():
        version = form.version_id.data or None
        data = form.judgement()
        services.save_judgement(assignment, competency_id, data, version_id=version, actor=actor())
        return done(_after_judging(assignment, competency_id), _("Je oordeel is opgeslagen."))

    def conflict():
        where = {"assignment_id": assignment.id, "competency_id": competency_id}
        return stored_version(form, Judgement, **where)

    view = _judge_page(assignment, competency_id, form, saved)
    return save(form, action, view, conflict=conflict)


def _not_judging_now(assignment: Assignment) -> str | None:
    """Why this assessor cannot judge right now (step 1 first; a finished judgement is final)."""
    if assignment.completeness_confirmed_at is None:
        return _("Controleer eerst of het portfolio compleet is (stap 1).")
    if request.method == "POST" and assignment.status != AssignmentStatus.ACTIVE:
        return _("Je bent klaar met beoordelen; je oordeel ligt vast.")
    return None


def _judgement_form(saved: Judgement | None) -> JudgementForm:
    form = JudgementForm(obj=saved)
    if request.method == "GET":
        form.show(saved)
    return form


def _after_judging(assignment: Assignment, competency_id: str) -> str:
    """The next competency without a judgement (after this one, else from the start), or the
    workspace when all are judged."""
    missing = services.unjudged(assignment)
    chosen = list(assignment.trajectory.progress.chosen)
    later = [c for c in chosen[chosen.index(competency_id) + 1 :] if c in missing]
    following = (later or missing or [None])[0]
    if following is None:
        return workspace_url(assignment)
    return url_for("assessment.judge", assignment_id=assignment.id, competency_id=following)


def _judge_page(assignment: Assignment, competency_id: str, form, saved):
    trajectory = assignment.trajectory
    framework = current_framework(trajectory.framework_id)
    return page(
        "assessment/judge.html",
        form=form,
        competency=framework.competency(competency_id),
        self_assessment=self_assessment_of(trajectory, competency_id),
        items=portfolio_services.evidence_for(trajectory, competency_id),
        kind_labels=kind_labels(),
        criteria=CRITERIA,
        criterion_labels=CRITERION_LABELS,
        criterion_questions=CRITERION_QUESTIONS,
        editable=assignment.status == AssignmentStatus.ACTIVE,
        saved=saved,
        **assignment_context(assignment),
    )


@bp.route("/beoordelingen/<int:assignment_id>/bewijs/<int:item_id>")
@permission("assignment.work", ASSIGNMENT, refusal=_l("Het portfolio is nu niet in te zien."))
def evidence(assignment: Assignment, item_id: int):
    """One piece of evidence, read-only, without the supervisor's comments."""
    item = get_or_404(
        EvidenceItem,
        item_id,
        where=lambda found: (
            found.trajectory_id == assignment.trajectory_id and can("evidence.view", found)
        ),
        options=(selectinload(EvidenceItem.links), selectinload(EvidenceItem.referee)),
    )
    portfolio_services.record_access(item, actor=actor(), what="viewed")
    commit()
    return render_template(
        "assessment/evidence.html",
        item=item,
        kind_labels=kind_labels(),
        **assignment_context(assignment),
    )


# --- two assessors ----------------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>/klaar", methods=["POST"])
@permission("assignment.work", ASSIGNMENT, refusal=_l("Dit kan nu niet."))
def judged(assignment: Assignment):
    """Two assessors: this one is done with their own judgements."""

    def action():
        services.mark_judged(assignment, actor=actor())
        message = _(
            "Je oordelen liggen vast. Als de andere beoordelaar ook klaar is, zie je de "
            "verschillen."
        )
        return done(workspace_url(assignment), message)

    return press(action, workspace_url(assignment))


@bp.route("/beoordelingen/<int:assignment_id>/verschillen/<competency_id>", methods=["GET", "POST"])
@permission("assignment.work", ASSIGNMENT, refusal=_l("Dit kan nu niet."))
def resolve(assignment: Assignment, competency_id: str):
    difference = _difference_or_404(assignment, competency_id)
    form = _resolution_form(difference)
    framework = current_framework(assignment.trajectory.framework_id)
    view = page(
        "assessment/resolve.html",
        form=form,
        difference=difference,
        competency=framework.competency(competency_id),
        may_resolve=assignment.position == 1,
        **assignment_context(assignment),
    )
    return save(form, lambda: _resolve(assignment, competency_id, form), view)


def _resolution_form(difference: services.Difference) -> ResolutionForm:
    """The form, showing the joint verdict when one was recorded."""
    form = ResolutionForm(obj=difference.resolution)
    if request.method == "GET" and difference.resolution is not None:
        form.verdict.data = difference.resolution.verdict.value
    return form


def _resolve(assignment: Assignment, competency_id: str, form: ResolutionForm):
    verdict, reason = form.verdict.data, filled(form.reason.data)
    services.resolve(assignment, competency_id, verdict, reason, actor=actor())
    return done(workspace_url(assignment), _("Het gezamenlijke oordeel is vastgelegd."))


def _difference_or_404(assignment: Assignment, competency_id: str) -> services.Difference:
    found = (d for d in services.differences(assignment) if d.competency_id == competency_id)
    difference = next(found, None)
    if difference is None:
        abort(404)
    return difference
