"""Screens of the EVC-A trajectory. Each view: load → require → validate → service → commit."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Membership, Organisation, Role, User
from evc.accounts.views import apply_form_error
from evc.db import utcnow
from evc.errors import ConcurrentEdit, DomainError
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.framework import current_framework
from evc.mail import send_pending
from evc.once import consume_once
from evc.permissions import can, permission, require
from evc.procedure import services
from evc.procedure.forms import (
    ChooseCompetenciesForm,
    GroupMeetingForm,
    GuidanceSessionForm,
    IntakeForm,
    SelfAssessmentForm,
    StartTrajectoryForm,
    WithdrawForm,
)
from evc.procedure.guidance import next_step
from evc.procedure.models import (
    STARR_FIELDS,
    GroupAttendance,
    GroupMeeting,
    GuidanceSession,
    Intake,
    PhaseChange,
    SelfAssessment,
    Trajectory,
)
from evc.procedure.phases import ACTIVE_PHASES, PHASE_LABELS, STEPS, Phase, unmet_guards
from evc.procedure.progress import load_progress

bp = Blueprint("procedure", __name__)

PAGE_SIZE = 25


# --- loading -------------------------------------------------------------------------------


def load_trajectory(trajectory_id: int) -> Trajectory:
    """A trajectory the current user may see (volunteer, supervisor, coordinator); else 404."""
    trajectory = db.session.get(
        Trajectory,
        trajectory_id,
        options=[
            joinedload(Trajectory.volunteer),
            joinedload(Trajectory.supervisor),
            joinedload(Trajectory.organisation),
        ],
    )
    if trajectory is None:
        abort(404)
    require("trajectory.view", trajectory)
    return trajectory


def refuse(trajectory: Trajectory, message: str):
    """The person may see the trajectory but not do this now (e.g. after submission)."""
    flash(message, "error")
    return redirect(url_for("procedure.trajectory", trajectory_id=trajectory.id))


def load_organisation(organisation_id: int, rule: str) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    require(rule, organisation)
    return organisation


def _actor() -> User:
    return current_user._get_current_object()


def _commit_and_mail() -> None:
    db.session.commit()
    send_pending()


def _back(trajectory: Trajectory):
    return redirect(url_for("procedure.trajectory", trajectory_id=trajectory.id))


# --- lists ---------------------------------------------------------------------------------


def _stalled(trajectory: Trajectory) -> bool:
    days = trajectory.progress.stalled_after_days
    return trajectory.is_active and utcnow() - trajectory.last_activity_at > timedelta(days=days)


@bp.route("/organisaties/<int:organisation_id>/trajecten")
@permission("trajectory.list_organisation", per_object=True)
def organisation_trajectories(organisation_id: int):
    """All trajectories of the organisation, filterable by phase and supervisor, paginated."""
    organisation = load_organisation(organisation_id, "trajectory.list_organisation")
    phase = request.args.get("fase", "")
    supervisor_id = request.args.get("begeleider", type=int)
    page = max(request.args.get("pagina", 1, type=int), 1)
    query = select(Trajectory).where(Trajectory.organisation_id == organisation.id)
    if phase in {p.value for p in Phase}:
        query = query.where(Trajectory.phase == Phase(phase))
    if supervisor_id:
        query = query.where(Trajectory.supervisor_id == supervisor_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    trajectories = db.session.scalars(
        query.options(joinedload(Trajectory.volunteer), joinedload(Trajectory.supervisor))
        .order_by(Trajectory.last_activity_at.desc(), Trajectory.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    load_progress(trajectories)
    return render_template(
        "procedure/organisation_trajectories.html",
        organisation=organisation,
        trajectories=trajectories,
        supervisors=_people_with_role(organisation, Role.SUPERVISOR),
        phase=phase,
        supervisor_id=supervisor_id,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        total=total,
        stalled=_stalled,
        phase_labels=PHASE_LABELS,
    )


@bp.route("/begeleiding")
@permission("trajectory.list_supervised")
def supervised():
    """The supervisor's own trajectories: phase, progress, days since last activity."""
    trajectories = db.session.scalars(
        select(Trajectory)
        .where(Trajectory.supervisor_id == current_user.id)
        .options(joinedload(Trajectory.volunteer), joinedload(Trajectory.organisation))
        .order_by(Trajectory.phase.in_(ACTIVE_PHASES).desc(), Trajectory.last_activity_at)
    ).all()
    trajectories = [t for t in trajectories if can("trajectory.view", t)]
    load_progress(trajectories)
    return render_template(
        "procedure/supervised.html",
        trajectories=trajectories,
        stalled=_stalled,
        now=utcnow(),
        phase_labels=PHASE_LABELS,
    )


def _people_with_role(organisation: Organisation, role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation.id,
                Membership.role == role,
                User.is_active_account.is_(True),
            )
            .order_by(User.display_name)
        )
    )


# --- starting ------------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/trajecten/nieuw", methods=["GET", "POST"])
@permission("trajectory.start", per_object=True)
def start(organisation_id: int):
    organisation = load_organisation(organisation_id, "trajectory.start")
    members = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    busy = set(  # one active trajectory per volunteer, in whichever organisation it runs
        db.session.scalars(
            select(Trajectory.volunteer_id).where(
                Trajectory.volunteer_id.in_(members), Trajectory.phase.in_(ACTIVE_PHASES)
            )
        )
    )
    all_volunteers = _people_with_role(organisation, Role.VOLUNTEER)
    volunteers = [u for u in all_volunteers if u.id not in busy]
    supervisors = _people_with_role(organisation, Role.SUPERVISOR)
    form = StartTrajectoryForm()
    form.volunteer.choices = [(0, _("Kies een vrijwilliger"))] + [
        (u.id, u.display_name) for u in volunteers
    ]
    form.supervisor.choices = [(0, _("Kies een begeleider"))] + [
        (u.id, u.display_name) for u in supervisors
    ]
    status = 200
    if form.validate_on_submit():
        volunteer = next((u for u in all_volunteers if u.id == form.volunteer.data), None)
        supervisor = next((u for u in supervisors if u.id == form.supervisor.data), None)
        try:
            if volunteer is None:
                raise DomainError(
                    _("Kies een vrijwilliger van deze organisatie."), field="volunteer"
                )
            if supervisor is None:
                raise DomainError(
                    _("Kies een begeleider van deze organisatie."), field="supervisor"
                )
            trajectory = services.start_trajectory(
                organisation, volunteer=volunteer, supervisor=supervisor, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het traject van %(name)s is gestart.", name=volunteer.display_name), "success")
            return _back(trajectory)
    elif form.is_submitted():
        status = 422
    return render_template(
        "procedure/start.html",
        form=form,
        organisation=organisation,
        has_volunteers=bool(volunteers),
        has_supervisors=bool(supervisors),
    ), status


# --- the trajectory page -------------------------------------------------------------------

_SECTIONS = "evc.trajectory_sections"


def register_trajectory_section(app, section) -> None:
    """Let another domain add a section to the trajectory page: ``section(trajectory)``
    returns None or a dict with ``template`` and that template's context."""
    sections = app.extensions.setdefault(_SECTIONS, [])
    if section not in sections:
        sections.append(section)


def _sections(trajectory: Trajectory) -> list[dict]:
    from flask import current_app

    found = (section(trajectory) for section in current_app.extensions.get(_SECTIONS, []))
    return [s for s in found if s]


@bp.route("/trajecten/<int:trajectory_id>")
@permission("trajectory.view", per_object=True)
def trajectory(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    load_progress([item])
    sessions = db.session.scalars(
        select(GuidanceSession)
        .where(GuidanceSession.trajectory_id == item.id)
        .order_by(GuidanceSession.held_on.desc(), GuidanceSession.id.desc())
    ).all()
    meetings = db.session.execute(
        select(GroupMeeting, GroupAttendance.present)
        .join(GroupAttendance, GroupAttendance.meeting_id == GroupMeeting.id)
        .where(GroupAttendance.trajectory_id == item.id)
        .order_by(GroupMeeting.held_on.desc())
    ).all()
    history = db.session.scalars(
        select(PhaseChange)
        .where(PhaseChange.trajectory_id == item.id)
        .options(joinedload(PhaseChange.actor))
        .order_by(PhaseChange.id)
    ).all()
    is_volunteer = item.volunteer_id == current_user.id
    return render_template(
        "procedure/trajectory.html",
        trajectory=item,
        progress=item.progress,
        framework=current_framework(item.framework_id),
        sessions=sessions,
        meetings=meetings,
        history=history,
        steps=STEPS,
        phase_labels=PHASE_LABELS,
        next_step=next_step(item, for_volunteer=is_volunteer),
        is_volunteer=is_volunteer,
        show_private=can("guidance.view_private_notes", item),
        submit_problems=unmet_guards(item, Phase.ASSESSMENT)
        if item.phase == Phase.RECOGNITION
        else [],
        button_form=EmptyForm(),
        sections=_sections(item),
    )


# --- intake --------------------------------------------------------------------------------

INTAKE_FIELDS = (
    "held_on",
    "goal_kind",
    "goal",
    "work_organisation",
    "work_tasks",
    "work_since",
    "meeting_plan",
    "target_submission_date",
)


@bp.route("/trajecten/<int:trajectory_id>/begingesprek", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def intake(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("intake.record", item):
        return refuse(
            item,
            _(
                "Alleen de begeleider legt het begingesprek vast, en alleen in de "
                "fase begingesprek."
            ),
        )
    if item.intake is not None and item.intake.confirmed_at is not None:
        return refuse(
            item,
            _(
                "De vrijwilliger heeft de afspraken al bevestigd. Ze kunnen niet "
                "meer worden gewijzigd."
            ),
        )
    form = IntakeForm(obj=item.intake)
    status = 200
    conflict = None
    if form.validate_on_submit():
        data = {name: getattr(form, name).data for name in INTAKE_FIELDS}
        version = form.version_id.data or None
        try:
            services.record_intake(item, data, actor=_actor(), version_id=version)
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
            if isinstance(error, ConcurrentEdit):
                status, conflict = 409, _show_saved_version(form, Intake, item)
        else:
            _commit_and_mail()
            flash(
                _(
                    "Het begingesprek is opgeslagen. %(name)s krijgt een e-mail om de afspraken "
                    "te bevestigen.",
                    name=item.volunteer.display_name,
                ),
                "success",
            )
            return _back(item)
    elif form.is_submitted():
        status = 422
    if request.method == "GET" and item.intake is not None:
        form.version_id.data = item.intake.version_id
    return render_template(
        "procedure/intake.html", form=form, trajectory=item, conflict=conflict
    ), status


@bp.route("/trajecten/<int:trajectory_id>/begingesprek/bevestigen", methods=["POST"])
@permission("trajectory.view", per_object=True)
def confirm_intake(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("intake.confirm", item):
        return refuse(
            item,
            _("Alleen de vrijwilliger bevestigt de afspraken, en alleen in de fase begingesprek."),
        )
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.confirm_intake(
            item, version_id=request.form.get("version_id", type=int), actor=_actor()
        )
    except DomainError as error:
        db.session.rollback()
        return refuse(item, error.message)
    _commit_and_mail()
    flash(_("Je hebt de afspraken bevestigd. Je kunt nu je competenties kiezen."), "success")
    return _back(item)


# --- meetings ------------------------------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/gesprekken/nieuw", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def new_session(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("guidance.log", item):
        return refuse(
            item, _("Alleen de begeleider legt gesprekken vast, tot het portfolio is ingediend.")
        )
    form = GuidanceSessionForm()
    status = 200
    if form.validate_on_submit():
        try:
            consume_once(form)
            services.log_guidance_session(
                item,
                held_on=form.held_on.data,
                topics=form.topics.data,
                shared_notes=form.shared_notes.data or "",
                private_notes=form.private_notes.data or "",
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het gesprek is opgeslagen."), "success")
            return _back(item)
    elif form.is_submitted():
        status = 422
    return render_template("procedure/session.html", form=form, trajectory=item), status


@bp.route("/groepsbijeenkomsten/nieuw", methods=["GET", "POST"])
@permission("group_meeting.log")
def new_group_meeting():
    """Log a group meeting for volunteers one supervises in one organisation."""
    organisations = sorted(
        {m.organisation for m in current_user.memberships if m.role == Role.SUPERVISOR},
        key=lambda o: o.name,
    )
    organisation_id = request.values.get("organisatie", type=int) or organisations[0].id
    organisation = next((o for o in organisations if o.id == organisation_id), None)
    if organisation is None:
        abort(404)
    trajectories = db.session.scalars(
        select(Trajectory)
        .where(
            Trajectory.supervisor_id == current_user.id,
            Trajectory.organisation_id == organisation.id,
            Trajectory.phase.in_((Phase.INTAKE, Phase.RECOGNITION)),
        )
        .options(joinedload(Trajectory.volunteer))
        .order_by(Trajectory.id)
    ).all()
    form = GroupMeetingForm()
    form.present.choices = [(t.id, t.volunteer.display_name) for t in trajectories]
    status = 200
    if form.validate_on_submit():
        present = set(form.present.data or [])
        attendance = {t.id: t.id in present for t in trajectories}
        attendance.update({tid: True for tid in present - set(attendance)})  # refused below
        try:
            consume_once(form)
            services.log_group_meeting(
                organisation,
                held_on=form.held_on.data,
                topic=form.topic.data,
                attendance=attendance,
                trajectories=trajectories,
                actor=_actor(),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De groepsbijeenkomst is opgeslagen."), "success")
            return redirect(url_for("procedure.supervised"))
    elif form.is_submitted():
        status = 422
    return render_template(
        "procedure/group_meeting.html",
        form=form,
        organisation=organisation,
        organisations=organisations,
        trajectories=trajectories,
    ), status


# --- competencies and self-assessment --------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/competenties", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def choose(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("competencies.choose", item):
        return refuse(
            item,
            _("Competenties kies je in de fase herkennen, voordat het portfolio is ingediend."),
        )
    framework = current_framework(item.framework_id)
    form = ChooseCompetenciesForm()
    form.competencies.choices = [(c.id, c.name(_language())) for c in framework.competencies]
    status = 200
    if form.validate_on_submit():
        try:
            services.choose_competencies(item, form.competencies.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(
                _("Je keuze is opgeslagen. Beoordeel jezelf nu op elke gekozen competentie."),
                "success",
            )
            return _back(item)
    elif form.is_submitted():
        status = 422
    else:
        form.competencies.data = list(item.progress.chosen)
    return render_template(
        "procedure/choose.html", form=form, trajectory=item, framework=framework
    ), status


def _language() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "nl")


@bp.route("/trajecten/<int:trajectory_id>/zelfbeoordeling/<competency_id>", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def self_assessment(trajectory_id: int, competency_id: str):
    item = load_trajectory(trajectory_id)
    if competency_id not in item.progress.chosen:
        abort(404)
    framework = current_framework(item.framework_id)
    competency = framework.competency(competency_id)
    saved = db.session.scalar(
        select(SelfAssessment).where(
            SelfAssessment.trajectory_id == item.id, SelfAssessment.competency_id == competency_id
        )
    )
    editable = can("self_assessment.edit", item)
    if request.method == "POST" and not editable:
        if item.phase == Phase.RECOGNITION:
            return refuse(
                item, _("Alleen de vrijwilliger en de begeleider vullen de zelfbeoordeling in.")
            )
        return refuse(item, _("Je zelfbeoordeling is ingediend en kan niet meer worden gewijzigd."))
    form = SelfAssessmentForm(obj=saved)
    language = _language()
    form.rating.choices = [
        (p.value, f"{p.label(language)}: {p.description(language)}") for p in framework.scale
    ]
    status = 200
    conflict = None
    if form.validate_on_submit():
        data = {"rating": form.rating.data, **{f: getattr(form, f).data for f in STARR_FIELDS}}
        try:
            saved = services.save_self_assessment(
                item, competency_id, data, version_id=form.version_id.data or None, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
            if isinstance(error, ConcurrentEdit):
                status, conflict = (
                    409,
                    _show_saved_version(form, SelfAssessment, item, competency_id),
                )
        else:
            _commit_and_mail()
            if saved.is_complete:
                flash(
                    _(
                        "Opgeslagen. Je zelfbeoordeling voor %(name)s is compleet.",
                        name=competency.name(language),
                    ),
                    "success",
                )
            else:
                flash(_("Opgeslagen als concept. Je kunt later verder schrijven."), "success")
            return _back(item)
    elif form.is_submitted():
        status = 422
    if request.method == "GET":
        form.version_id.data = saved.version_id if saved else None
    return render_template(
        "procedure/self_assessment.html",
        form=form,
        trajectory=item,
        competency=competency,
        saved=saved,
        editable=editable,
        framework=framework,
        language=language,
        conflict=conflict,
    ), status


def _show_saved_version(form, model, trajectory: Trajectory, competency_id: str | None = None):
    """After a refused stale save: keep what the person typed, show what is stored now, and let
    the next save build on the stored version (they have seen it)."""
    query = select(model).where(model.trajectory_id == trajectory.id)
    if competency_id is not None:
        query = query.where(model.competency_id == competency_id)
    current = db.session.scalar(query.execution_options(populate_existing=True))
    if current is not None:
        form.version_id.data = current.version_id
        form.version_id.raw_data = [str(current.version_id)]
    return current


# --- submitting and withdrawing --------------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/indienen", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def submit(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("trajectory.submit", item):
        return refuse(item, _("Het portfolio kan alleen in de fase herkennen worden ingediend."))
    load_progress([item])
    problems = unmet_guards(item, Phase.ASSESSMENT)
    form = EmptyForm()
    if form.validate_on_submit():
        try:
            services.submit_for_assessment(item, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
            return redirect(url_for("procedure.submit", trajectory_id=item.id))
        _commit_and_mail()
        flash(_("Het portfolio is ingediend voor de beoordeling."), "success")
        return _back(item)
    return render_template(
        "procedure/submit.html",
        trajectory=item,
        problems=problems,
        progress=item.progress,
        form=form,
    )


@bp.route("/trajecten/<int:trajectory_id>/stoppen", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def withdraw(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("trajectory.withdraw", item):
        return refuse(
            item, _("Alleen de begeleider of de coördinator kan een lopend traject stoppen.")
        )
    form = WithdrawForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.withdraw(item, form.reason.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het traject is gestopt."), "success")
            return _back(item)
    elif form.is_submitted():
        status = 422
    return render_template("procedure/withdraw.html", form=form, trajectory=item), status
