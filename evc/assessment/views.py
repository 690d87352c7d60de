"""Screens of the independent assessment: queues, assigning, the declaration, the three steps
(completeness, recognition, report), the report with self-rating and verdict side by side, and
the organisation's procedure settings. Each view: load → require → validate → service → commit.
"""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.views import apply_form_error
from evc.assessment import services
from evc.assessment.forms import (
    CRITERION_LABELS,
    CRITERION_QUESTIONS,
    VERDICT_LABELS,
    AssignForm,
    CompletenessForm,
    CorrectionForm,
    DeclarationForm,
    JudgementForm,
    ReasonForm,
    ReportForm,
    ResolutionForm,
    SettingsForm,
)
from evc.assessment.models import (
    CRITERIA,
    OPEN_STATUSES,
    AssessmentReport,
    Assignment,
    AssignmentStatus,
    Judgement,
)
from evc.db import utcnow
from evc.errors import ConcurrentEdit, DomainError
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.framework import current_framework
from evc.mail import send_pending
from evc.permissions import can, permission, require
from evc.portfolio.models import EvidenceItem, EvidenceLink
from evc.portfolio.views import kind_labels
from evc.procedure.models import SelfAssessment, Trajectory
from evc.procedure.phases import PHASE_LABELS, Phase
from evc.procedure.progress import load_progress
from evc.procedure.services import trajectory_submitted
from evc.procedure.views import load_organisation, load_trajectory

bp = Blueprint("assessment", __name__)


def _status_labels() -> dict:
    return {
        AssignmentStatus.ASSIGNED: _("wacht op verklaring"),
        AssignmentStatus.ACTIVE: _("bezig"),
        AssignmentStatus.JUDGED: _("klaar, wacht op de andere beoordelaar"),
        AssignmentStatus.FINALISED: _("rapport definitief"),
        AssignmentStatus.DECLINED: _("teruggegeven"),
        AssignmentStatus.WITHDRAWN: _("ingetrokken"),
    }


def _actor():
    return current_user._get_current_object()


def _language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "nl")


def _commit_and_mail() -> None:
    db.session.commit()
    send_pending()


def load_assignment(assignment_id: int, rule: str = "assignment.view") -> Assignment:
    """An assignment of the current user (or one a coordinator may manage); else 404."""
    assignment = db.session.get(
        Assignment,
        assignment_id,
        options=[
            joinedload(Assignment.trajectory).joinedload(Trajectory.volunteer),
            joinedload(Assignment.trajectory).joinedload(Trajectory.organisation),
            joinedload(Assignment.assessor),
        ],
    )
    if assignment is None:
        abort(404)
    require(rule, assignment)
    return assignment


def _workspace(assignment: Assignment):
    return redirect(url_for("assessment.workspace", assignment_id=assignment.id))


def _refuse(assignment: Assignment, message: str):
    flash(message, "error")
    return _workspace(assignment)


def _context(assignment: Assignment) -> dict:
    trajectory = assignment.trajectory
    return {
        "assignment": assignment,
        "trajectory": trajectory,
        "volunteer": services.volunteer_label(assignment),
        "framework": current_framework(trajectory.framework_id),
        "language": _language(),
        "verdict_labels": VERDICT_LABELS,
        "status_labels": _status_labels(),
    }


# --- queues ----------------------------------------------------------------------------------


@bp.route("/beoordelingen")
@permission("assessment.queue")
def queue():
    """The assessor's portfolios: open ones first (longest waiting on top), then finished."""
    assignments = db.session.scalars(
        select(Assignment)
        .where(
            Assignment.assessor_id == current_user.id,
            Assignment.status.in_((*OPEN_STATUSES, AssignmentStatus.FINALISED)),
        )
        .options(
            joinedload(Assignment.trajectory).joinedload(Trajectory.volunteer),
            joinedload(Assignment.trajectory).joinedload(Trajectory.organisation),
        )
        .order_by(Assignment.status == AssignmentStatus.FINALISED, Assignment.created_at)
    ).all()
    # A trajectory stopped during the assessment needs nothing more from the assessor.
    assignments = [
        a
        for a in assignments
        if a.status == AssignmentStatus.FINALISED or a.trajectory.phase != Phase.WITHDRAWN
    ]
    blind = _blind_organisations({a.trajectory.organisation_id for a in assignments})
    now = utcnow()
    rows = []
    for assignment in assignments:
        trajectory = assignment.trajectory
        shown_blind = (
            trajectory.organisation_id in blind and assignment.status != AssignmentStatus.FINALISED
        )
        since = trajectory.submitted_at or assignment.created_at
        rows.append(
            {
                "assignment": assignment,
                "name": assignment.pseudonym if shown_blind else trajectory.volunteer.display_name,
                "organisation": trajectory.organisation.name,
                "returned": trajectory.phase == Phase.RECOGNITION,
                "days": (now - since).days,
            }
        )
    return render_template(
        "assessment/queue.html", rows=rows, status_labels=_status_labels(), Status=AssignmentStatus
    )


def _blind_organisations(organisation_ids: set[int]) -> set[int]:
    from evc.procedure.models import OrganisationSettings

    if not organisation_ids:
        return set()
    return set(
        db.session.scalars(
            select(OrganisationSettings.organisation_id).where(
                OrganisationSettings.organisation_id.in_(organisation_ids),
                OrganisationSettings.blind_assessment.is_(True),
            )
        )
    )


@bp.route("/organisaties/<int:organisation_id>/beoordelingen")
@permission("assessment.overview", per_object=True)
def overview(organisation_id: int):
    """The coordinator's view: submissions without an assessor, running assessments with the
    days waiting, and lead times of finished ones."""
    organisation = load_organisation(organisation_id, "assessment.overview")
    trajectories = db.session.scalars(
        select(Trajectory)
        .where(
            Trajectory.organisation_id == organisation.id,
            Trajectory.submitted_at.is_not(None),
            Trajectory.phase.in_(
                (Phase.ASSESSMENT, Phase.RECOGNITION, Phase.FINAL_INTERVIEW, Phase.COMPLETED)
            ),
        )
        .options(joinedload(Trajectory.volunteer))
        .order_by(Trajectory.submitted_at)
    ).all()
    ids = [t.id for t in trajectories]
    assignments: dict[int, list[Assignment]] = {}
    for assignment in db.session.scalars(
        select(Assignment)
        .where(
            Assignment.trajectory_id.in_(ids),
            Assignment.status.in_((*OPEN_STATUSES, AssignmentStatus.FINALISED)),
        )
        .options(joinedload(Assignment.assessor))
        .order_by(Assignment.position)
    ):
        assignments.setdefault(assignment.trajectory_id, []).append(assignment)
    reports = dict(
        db.session.execute(
            select(AssessmentReport.trajectory_id, AssessmentReport.finalised_at).where(
                AssessmentReport.trajectory_id.in_(ids)
            )
        ).all()
    )
    wanted = 2 if services.settings_of(organisation.id).two_assessors else 1
    now = utcnow()
    unassigned, running, finished = [], [], []
    for trajectory in trajectories:
        own = assignments.get(trajectory.id, [])
        final = reports.get(trajectory.id)
        row = {"trajectory": trajectory, "assignments": own}
        if final is not None:
            row["lead_days"] = (final - trajectory.submitted_at).days
            finished.append(row)
        elif trajectory.phase == Phase.ASSESSMENT and len(own) < wanted:
            row["days"] = (now - trajectory.submitted_at).days
            unassigned.append(row)
        elif trajectory.phase in (Phase.ASSESSMENT, Phase.RECOGNITION) and own:
            row["days"] = (now - trajectory.submitted_at).days
            row["returned"] = trajectory.phase == Phase.RECOGNITION
            running.append(row)
    lead_times = sorted(r["lead_days"] for r in finished)
    median = lead_times[len(lead_times) // 2] if lead_times else None
    return render_template(
        "assessment/overview.html",
        organisation=organisation,
        unassigned=unassigned,
        running=running,
        finished=finished,
        median_lead_days=median,
        status_labels=_status_labels(),
    )


# --- assigning -------------------------------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/beoordelaar", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def assign(trajectory_id: int):
    trajectory = load_trajectory(trajectory_id)
    if not can("assessment.assign", trajectory):
        flash(
            _("Een beoordelaar wijst de coördinator toe, nadat het portfolio is ingediend."),
            "error",
        )
        return redirect(url_for("procedure.trajectory", trajectory_id=trajectory.id))
    positions = services.needed_positions(trajectory)
    current = services.open_assignments(trajectory)
    settings = services.settings_of(trajectory.organisation_id)
    relations = services.relations_of(trajectory)
    candidates = services.candidate_assessors(trajectory)
    eligible = [
        c
        for c in candidates
        if not services.independence_problems(c, relations, settings, "x" * 100)
    ]
    form = AssignForm()
    form.assessor.choices = [(0, _("Kies een beoordelaar"))] + [
        (u.id, _assessor_option(u, relations)) for u in eligible
    ]
    status = 200
    if positions and form.validate_on_submit():
        assessor = next((u for u in candidates if u.id == form.assessor.data), None)
        try:
            if assessor is None:
                raise DomainError(_("Kies een beoordelaar uit de lijst."), field="assessor")
            services.assign_assessor(
                trajectory,
                assessor,
                actor=_actor(),
                justification=form.justification.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(
                _(
                    "%(name)s is toegewezen en krijgt een e-mail.",
                    name=assessor.display_name,
                ),
                "success",
            )
            return redirect(
                url_for("assessment.overview", organisation_id=trajectory.organisation_id)
            )
    elif form.is_submitted():
        status = 422
    return render_template(
        "assessment/assign.html",
        trajectory=trajectory,
        form=form,
        positions=positions,
        current=current,
        settings=settings,
        has_candidates=bool(eligible),
        excluded=len(candidates) - len(eligible),
        status_labels=_status_labels(),
    ), status


def _assessor_option(user, relations) -> str:
    shared = relations.volunteer_organisations & user.organisation_ids()
    if shared:
        return _("%(name)s (eigen organisatie)", name=user.display_name)
    return user.display_name


@bp.route("/beoordelingen/<int:assignment_id>/intrekken", methods=["GET", "POST"])
@permission("assignment.withdraw", per_object=True)
def withdraw(assignment_id: int):
    assignment = load_assignment(assignment_id, "assignment.withdraw")
    form = ReasonForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.withdraw_assignment(assignment, form.reason.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De toewijzing is ingetrokken. Wijs iemand anders toe."), "success")
            return redirect(url_for("assessment.assign", trajectory_id=assignment.trajectory_id))
    elif form.is_submitted():
        status = 422
    return render_template("assessment/withdraw.html", assignment=assignment, form=form), status


# --- the declaration ---------------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>/verklaring", methods=["GET", "POST"])
@permission("assignment.view", per_object=True)
def declare(assignment_id: int):
    """Before anything of the portfolio is shown: do you know this volunteer?"""
    assignment = load_assignment(assignment_id)
    if not can("assignment.declare", assignment):
        return _workspace(assignment)
    form = DeclarationForm()
    status = 200
    if form.validate_on_submit():
        try:
            if form.knows.data == "yes":
                services.decline(assignment, form.reason.data or "", actor=_actor())
            else:
                services.declare_independent(assignment, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            if form.knows.data == "yes":
                flash(
                    _(
                        "Dank je. Je beoordeelt dit portfolio niet. De coördinator wijst iemand "
                        "anders toe."
                    ),
                    "success",
                )
                return redirect(url_for("assessment.queue"))
            flash(_("Je verklaring is opgeslagen. Je kunt nu beginnen."), "success")
            return _workspace(assignment)
    elif form.is_submitted():
        status = 422
    intake = assignment.trajectory.intake
    return render_template(
        "assessment/declare.html",
        form=form,
        work_organisation=intake.work_organisation if intake else "",
        **_context(assignment),
    ), status


@bp.route("/beoordelingen/<int:assignment_id>/teruggeven", methods=["GET", "POST"])
@permission("assignment.view", per_object=True)
def decline(assignment_id: int):
    """During the work: the assessor recognises the volunteer after all."""
    assignment = load_assignment(assignment_id)
    if assignment.status not in (AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE):
        return _refuse(assignment, _("Je kunt deze beoordeling niet meer teruggeven."))
    form = ReasonForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.decline(assignment, form.reason.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Je hebt de beoordeling teruggegeven. De coördinator is ingelicht."), "success")
            return redirect(url_for("assessment.queue"))
    elif form.is_submitted():
        status = 422
    return render_template("assessment/decline.html", form=form, **_context(assignment)), status


# --- the workspace -----------------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>")
@permission("assignment.view", per_object=True)
def workspace(assignment_id: int):
    assignment = load_assignment(assignment_id)
    if assignment.status == AssignmentStatus.ASSIGNED:
        return redirect(url_for("assessment.declare", assignment_id=assignment.id))
    trajectory = assignment.trajectory
    if assignment.status == AssignmentStatus.FINALISED:
        return redirect(url_for("assessment.report", trajectory_id=trajectory.id))
    load_progress([trajectory])
    judgements = services.judgements_of(assignment)
    partner = services.partner_of(assignment)
    report = services.report_of(trajectory)
    return render_template(
        "assessment/workspace.html",
        rows=services.checklist(trajectory),
        judgements=judgements,
        returns=services.returns_of(trajectory.id),
        partner=partner,
        both_judged=services.both_judged(assignment),
        differences=services.differences(assignment),
        two_assessors=services.settings_of(trajectory.organisation_id).two_assessors,
        report=report,
        working=can("assignment.work", assignment),
        button_form=EmptyForm(),
        **_context(assignment),
    )


# --- step 1: completeness ----------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>/controle", methods=["GET", "POST"])
@permission("assignment.view", per_object=True)
def completeness(assignment_id: int):
    assignment = load_assignment(assignment_id)
    if not can("assignment.work", assignment) or assignment.status != AssignmentStatus.ACTIVE:
        return _refuse(assignment, _("Controleren kan nu niet."))
    trajectory = assignment.trajectory
    rows = services.checklist(trajectory)
    form = CompletenessForm()
    notes = {row.competency_id: request.form.get(f"note-{row.competency_id}", "") for row in rows}
    status = 200
    if form.validate_on_submit():
        try:
            if form.decision.data == "complete":
                services.confirm_complete(assignment, actor=_actor())
            else:
                services.return_for_more(
                    assignment, notes, form.general_note.data or "", actor=_actor()
                )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            if form.decision.data == "complete":
                flash(_("Het portfolio is compleet. Beoordeel nu elke competentie."), "success")
                return _workspace(assignment)
            flash(
                _(
                    "Het portfolio is teruggestuurd. De vrijwilliger en de begeleider krijgen een "
                    "e-mail. Je gaat verder als het opnieuw is ingediend."
                ),
                "success",
            )
            return redirect(url_for("assessment.queue"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "assessment/completeness.html",
        form=form,
        rows=rows,
        notes=notes,
        returns=services.returns_of(trajectory.id),
        **_context(assignment),
    ), status


# --- step 2: recognition ----------------------------------------------------------------------


def _evidence_for(trajectory: Trajectory, competency_id: str) -> list[EvidenceItem]:
    return list(
        db.session.scalars(
            select(EvidenceItem)
            .join(EvidenceLink, EvidenceLink.item_id == EvidenceItem.id)
            .where(
                EvidenceItem.trajectory_id == trajectory.id,
                EvidenceLink.competency_id == competency_id,
            )
            .options(selectinload(EvidenceItem.referee), selectinload(EvidenceItem.links))
            .order_by(EvidenceItem.activity_from.desc(), EvidenceItem.id)
        )
    )


@bp.route(
    "/beoordelingen/<int:assignment_id>/competenties/<competency_id>", methods=["GET", "POST"]
)
@permission("assignment.view", per_object=True)
def judge(assignment_id: int, competency_id: str):
    assignment = load_assignment(assignment_id)
    trajectory = assignment.trajectory
    if competency_id not in trajectory.progress.chosen:
        abort(404)
    if not can("assignment.work", assignment):
        return _refuse(assignment, _("Beoordelen kan nu niet."))
    if assignment.completeness_confirmed_at is None:
        return _refuse(assignment, _("Controleer eerst of het portfolio compleet is (stap 1)."))
    saved = services.judgements_of(assignment).get(competency_id)
    editable = assignment.status == AssignmentStatus.ACTIVE
    form = JudgementForm(obj=saved)
    if request.method == "GET" and saved is not None:
        for criterion in CRITERIA:
            given = saved.criteria.get(criterion, {})
            form[criterion].data = "yes" if given.get("sufficient") else "no"
            form[f"{criterion}_note"].data = given.get("note", "")
        form.verdict.data = saved.verdict.value
    status = 200
    conflict = None
    if request.method == "POST" and not editable:
        return _refuse(assignment, _("Je bent klaar met beoordelen; je oordeel ligt vast."))
    if form.validate_on_submit():
        data = {
            "verdict": form.verdict.data,
            "motivation": form.motivation.data,
            "advice": form.advice.data,
            "criteria": {
                c: {"sufficient": form[c].data == "yes", "note": form[f"{c}_note"].data}
                for c in CRITERIA
            },
        }
        try:
            services.save_judgement(
                assignment,
                competency_id,
                data,
                version_id=form.version_id.data or None,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
            if isinstance(error, ConcurrentEdit):
                status = 409
                conflict = db.session.scalar(
                    select(Judgement)
                    .where(
                        Judgement.assignment_id == assignment.id,
                        Judgement.competency_id == competency_id,
                    )
                    .execution_options(populate_existing=True)
                )
                if conflict is not None:
                    form.version_id.data = conflict.version_id
                    form.version_id.raw_data = [str(conflict.version_id)]
        else:
            _commit_and_mail()
            flash(_("Je oordeel is opgeslagen."), "success")
            following = _next_unjudged(assignment, competency_id)
            if following:
                return redirect(
                    url_for(
                        "assessment.judge", assignment_id=assignment.id, competency_id=following
                    )
                )
            return _workspace(assignment)
    elif form.is_submitted():
        status = 422
    if request.method == "GET":
        form.version_id.data = saved.version_id if saved else None
    framework = current_framework(trajectory.framework_id)
    self_assessment = db.session.scalar(
        select(SelfAssessment).where(
            SelfAssessment.trajectory_id == trajectory.id,
            SelfAssessment.competency_id == competency_id,
        )
    )
    return render_template(
        "assessment/judge.html",
        form=form,
        competency=framework.competency(competency_id),
        self_assessment=self_assessment,
        items=_evidence_for(trajectory, competency_id),
        kind_labels=kind_labels(),
        criteria=CRITERIA,
        criterion_labels=CRITERION_LABELS,
        criterion_questions=CRITERION_QUESTIONS,
        editable=editable,
        conflict=conflict,
        saved=saved,
        **_context(assignment),
    ), status


def _next_unjudged(assignment: Assignment, after: str) -> str | None:
    missing = services.unjudged(assignment)
    chosen = list(assignment.trajectory.progress.chosen)
    later = [c for c in chosen[chosen.index(after) + 1 :] if c in missing]
    return (later or missing or [None])[0]


@bp.route("/beoordelingen/<int:assignment_id>/bewijs/<int:item_id>")
@permission("assignment.view", per_object=True)
def evidence(assignment_id: int, item_id: int):
    """One piece of evidence, read-only, without the supervisor's comments."""
    assignment = load_assignment(assignment_id)
    if not can("assignment.work", assignment):
        return _refuse(assignment, _("Het portfolio is nu niet in te zien."))
    item = db.session.get(
        EvidenceItem,
        item_id,
        options=[selectinload(EvidenceItem.links), selectinload(EvidenceItem.referee)],
    )
    if item is None or item.trajectory_id != assignment.trajectory_id:
        abort(404)
    require("evidence.view", item)
    from evc.portfolio import services as portfolio_services

    portfolio_services.record_access(item, actor=_actor(), what="viewed")
    db.session.commit()
    return render_template(
        "assessment/evidence.html",
        item=item,
        kind_labels=kind_labels(),
        **_context(assignment),
    )


@bp.route("/beoordelingen/<int:assignment_id>/klaar", methods=["POST"])
@permission("assignment.view", per_object=True)
def judged(assignment_id: int):
    """Two assessors: this one is done with their own judgements."""
    assignment = load_assignment(assignment_id)
    if not can("assignment.work", assignment):
        return _refuse(assignment, _("Dit kan nu niet."))
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.mark_judged(assignment, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        return _refuse(assignment, error.message)
    _commit_and_mail()
    flash(
        _(
            "Je oordelen liggen vast. Als de andere beoordelaar ook klaar is, zie je de "
            "verschillen."
        ),
        "success",
    )
    return _workspace(assignment)


@bp.route("/beoordelingen/<int:assignment_id>/verschillen/<competency_id>", methods=["GET", "POST"])
@permission("assignment.view", per_object=True)
def resolve(assignment_id: int, competency_id: str):
    assignment = load_assignment(assignment_id)
    if not can("assignment.work", assignment):
        return _refuse(assignment, _("Dit kan nu niet."))
    difference = next(
        (d for d in services.differences(assignment) if d.competency_id == competency_id), None
    )
    if difference is None:
        abort(404)
    form = ResolutionForm(obj=difference.resolution)
    if request.method == "GET" and difference.resolution is not None:
        form.verdict.data = difference.resolution.verdict.value
    status = 200
    if form.validate_on_submit():
        try:
            services.resolve(
                assignment, competency_id, form.verdict.data, form.reason.data, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het gezamenlijke oordeel is vastgelegd."), "success")
            return _workspace(assignment)
    elif form.is_submitted():
        status = 422
    framework = current_framework(assignment.trajectory.framework_id)
    return render_template(
        "assessment/resolve.html",
        form=form,
        difference=difference,
        competency=framework.competency(competency_id),
        may_resolve=assignment.position == 1,
        **_context(assignment),
    ), status


# --- step 3: the report -----------------------------------------------------------------------


@bp.route("/beoordelingen/<int:assignment_id>/rapport", methods=["GET", "POST"])
@permission("assignment.view", per_object=True)
def write_report(assignment_id: int):
    assignment = load_assignment(assignment_id)
    trajectory = assignment.trajectory
    if assignment.status == AssignmentStatus.FINALISED:
        return redirect(url_for("assessment.report", trajectory_id=trajectory.id))
    if not can("assignment.work", assignment) or assignment.position != 1:
        return _refuse(assignment, _("Het rapport schrijft de eerste beoordelaar."))
    report = services.report_of(trajectory)
    form = ReportForm(obj=report)
    status = 200
    conflict = None
    if form.validate_on_submit():
        finalising = request.form.get("action") == "finalise"
        version = form.version_id.data or None
        try:
            if finalising:
                services.finalise(
                    assignment, form.summary.data or "", version_id=version, actor=_actor()
                )
            else:
                services.save_summary(
                    assignment, form.summary.data or "", version_id=version, actor=_actor()
                )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 409 if isinstance(error, ConcurrentEdit) else 422
            if isinstance(error, ConcurrentEdit):
                conflict = db.session.scalar(
                    select(AssessmentReport)
                    .where(AssessmentReport.trajectory_id == trajectory.id)
                    .execution_options(populate_existing=True)
                )
                if conflict is not None:
                    form.version_id.data = conflict.version_id
                    form.version_id.raw_data = [str(conflict.version_id)]
        else:
            _commit_and_mail()
            if finalising:
                flash(
                    _(
                        "Het rapport is definitief. De vrijwilliger en de begeleider krijgen een "
                        "e-mail."
                    ),
                    "success",
                )
                return redirect(url_for("assessment.report", trajectory_id=trajectory.id))
            flash(_("De samenvatting is opgeslagen."), "success")
            return redirect(url_for("assessment.write_report", assignment_id=assignment.id))
    elif form.is_submitted():
        status = 422
    if request.method == "GET":
        form.version_id.data = report.version_id if report else None
    load_progress([trajectory])
    return render_template(
        "assessment/write_report.html",
        form=form,
        report=report,
        conflict=conflict,
        judgements=services.judgements_of(assignment),
        missing=services.unjudged(assignment),
        differences=services.differences(assignment),
        two_assessors=services.settings_of(trajectory.organisation_id).two_assessors,
        **_context(assignment),
    ), status


@bp.route("/trajecten/<int:trajectory_id>/beoordeling")
@permission("assessment.report_view", per_object=True)
def report(trajectory_id: int):
    """The final report: self-rating next to the assessor's verdict, per competency."""
    trajectory = db.session.get(
        Trajectory,
        trajectory_id,
        options=[joinedload(Trajectory.volunteer), joinedload(Trajectory.organisation)],
    )
    if trajectory is None:
        abort(404)
    require("assessment.report_view", trajectory)
    load_progress([trajectory])
    framework = current_framework(trajectory.framework_id)
    outcome = services.outcome(trajectory)
    lead = services.final_assignment(trajectory.id)
    all_assignments = db.session.scalars(
        select(Assignment)
        .where(
            Assignment.trajectory_id == trajectory.id,
            Assignment.status == AssignmentStatus.FINALISED,
        )
        .options(joinedload(Assignment.assessor))
        .order_by(Assignment.position)
    ).all()
    language = _language()
    rows = []
    for competency_id in trajectory.progress.chosen:
        own = trajectory.progress.self_assessments.get(competency_id)
        rows.append(
            {
                "competency_id": competency_id,
                "name": framework.competency(competency_id).name(language),
                "rating": own.rating if own else None,
                "rating_label": framework.scale[own.rating - 1].label(language)
                if own and own.rating
                else None,
                "outcome": outcome.get(competency_id),
            }
        )
    counts = Counter(o.verdict for o in outcome.values())
    return render_template(
        "assessment/report.html",
        trajectory=trajectory,
        report=services.report_of(trajectory),
        rows=rows,
        scale=framework.scale,
        language=language,
        assignments=all_assignments,
        lead=lead,
        counts=counts,
        verdict_labels=VERDICT_LABELS,
        may_correct=lead is not None and can("assignment.correct", lead),
        phase_labels=PHASE_LABELS,
    )


@bp.route(
    "/beoordelingen/<int:assignment_id>/competenties/<competency_id>/correctie",
    methods=["GET", "POST"],
)
@permission("assignment.view", per_object=True)
def correct(assignment_id: int, competency_id: str):
    assignment = load_assignment(assignment_id)
    trajectory = assignment.trajectory
    if competency_id not in trajectory.progress.chosen:
        abort(404)
    if not can("assignment.correct", assignment) or assignment.position != 1:
        flash(
            _("Een correctie kan alleen de eerste beoordelaar doen, tot het eindgesprek klaar is."),
            "error",
        )
        return redirect(url_for("assessment.report", trajectory_id=trajectory.id))
    current = services.outcome(trajectory).get(competency_id)
    form = CorrectionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.correct(
                assignment,
                competency_id,
                {
                    "verdict": form.verdict.data,
                    "motivation": form.motivation.data,
                    "advice": form.advice.data,
                    "reason": form.reason.data,
                },
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(
                _("De correctie is opgeslagen en staat in de geschiedenis van het rapport."),
                "success",
            )
            return redirect(url_for("assessment.report", trajectory_id=trajectory.id))
    elif form.is_submitted():
        status = 422
    framework = current_framework(trajectory.framework_id)
    return render_template(
        "assessment/correct.html",
        form=form,
        current=current,
        competency=framework.competency(competency_id),
        **_context(assignment),
    ), status


# --- settings --------------------------------------------------------------------------------

SETTING_FIELDS = (
    "min_guidance_sessions",
    "recommended_group_meetings",
    "stalled_after_days",
    "allow_internal_assessor",
    "blind_assessment",
    "two_assessors",
    "share_reports_with_case_managers",
)


@bp.route("/organisaties/<int:organisation_id>/instellingen", methods=["GET", "POST"])
@permission("organisation.settings", per_object=True)
def settings(organisation_id: int):
    organisation = load_organisation(organisation_id, "organisation.settings")
    current = services.settings_of(organisation.id)
    form = SettingsForm(obj=current)
    status = 200
    if form.validate_on_submit():
        data = {name: form[name].data for name in SETTING_FIELDS}
        try:
            services.save_settings(organisation, data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De instellingen zijn opgeslagen."), "success")
            return redirect(url_for("assessment.settings", organisation_id=organisation.id))
    elif form.is_submitted():
        status = 422
    return render_template("assessment/settings.html", form=form, organisation=organisation), status


# --- on the trajectory page --------------------------------------------------------------------


def trajectory_section(trajectory: Trajectory) -> dict | None:
    """What the trajectory page shows about the assessment (volunteer, supervisor, coordinator):
    who assesses, what the assessor asked for when returning it, and the report link."""
    if trajectory.submitted_at is None:
        return None
    returns = services.returns_of(trajectory.id)
    final = db.session.scalar(
        select(func.count(AssessmentReport.id)).where(
            AssessmentReport.trajectory_id == trajectory.id,
            AssessmentReport.finalised_at.is_not(None),
        )
    )
    return {
        "template": "assessment/_trajectory_section.html",
        "assignments": services.open_assignments(trajectory),
        "latest_return": returns[0] if returns and trajectory.phase == Phase.RECOGNITION else None,
        "report_final": bool(final),
        "may_assign": can("assessment.assign", trajectory)
        and bool(services.needed_positions(trajectory)),
    }


def init_app(app) -> None:
    from evc.procedure.views import register_trajectory_section

    register_trajectory_section(app, trajectory_section)
    trajectory_submitted.connect(_on_submitted)


def _on_submitted(trajectory: Trajectory) -> None:
    services.on_resubmitted(trajectory)
