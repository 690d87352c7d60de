"""The final interview, the development plan (written, then confirmed by both) and issuing the
certificate: each declares its rule on the trajectory."""

from __future__ import annotations

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.certificates import issuing, services
from evc.certificates.forms import FinalInterviewForm, PlanForm
from evc.certificates.loaders import closing_url
from evc.certificates.models import FinalInterview
from evc.certificates.views.blueprint import bp
from evc.framework import current_framework, page_language
from evc.procedure.loaders import TRAJECTORY, trajectory_url
from evc.procedure.models import Trajectory
from evc.web import actor, done, page, permission, press, save, stored_version

INTERVIEW_FIELDS = ("held_on", "discussed", "volunteer_reaction")


@bp.route("/trajecten/<int:trajectory_id>/eindgesprek", methods=["GET", "POST"])
@permission(
    "final_interview.record",
    TRAJECTORY,
    refusal=_l("Alleen de begeleider legt het eindgesprek vast, in de fase eindgesprek."),
)
def final_interview(trajectory: Trajectory):
    form = FinalInterviewForm(obj=services.final_interview_of(trajectory))
    view = page("certificates/final_interview.html", form=form, trajectory=trajectory)
    stored = lambda: stored_version(form, FinalInterview, trajectory_id=trajectory.id)  # noqa: E731
    return save(form, lambda: _record_interview(trajectory, form), view, conflict=stored)


def _record_interview(trajectory: Trajectory, form: FinalInterviewForm):
    data = {name: getattr(form, name).data for name in INTERVIEW_FIELDS}
    version = form.version_id.data or None
    services.record_final_interview(trajectory, data, version_id=version, actor=actor())
    return done(closing_url(trajectory), _("Het eindgesprek is opgeslagen."))


# --- development plan --------------------------------------------------------------------------


def _competency_choices(trajectory: Trajectory) -> list[tuple[str, str]]:
    framework = current_framework(trajectory.framework_id)
    general = ("", _("Geen (een algemeen doel)"))
    return [general, *framework.choices(trajectory.progress.chosen, page_language())]


def _goal_row(goal: dict) -> dict:
    target = goal.get("target_date")
    return goal | {"target_date": date.fromisoformat(target) if target else None}


def _plan_form(trajectory: Trajectory, plan) -> PlanForm:
    form = PlanForm() if request.method == "POST" else PlanForm(data=_shown_plan(trajectory, plan))
    choices = _competency_choices(trajectory)
    for entry in form.goals:
        entry.form.competency_id.choices = choices
    return form


def _shown_plan(trajectory: Trajectory, plan) -> dict:
    """What the form shows first: the stored goals (or goals drawn from the assessment) and one
    empty row, at the version of the plan that was read."""
    goals = list(plan.goals) if plan else services.prefilled_goals(trajectory)
    rows = [_goal_row(g) for g in goals] + [{}]
    return {"goals": rows, "version_id": plan.version_id if plan else None}


def _save_plan(trajectory: Trajectory, form: PlanForm):
    rows = [entry.form.data for entry in form.goals]
    services.save_plan(trajectory, rows, version_id=form.version_id.data or None, actor=actor())
    message = _("Het ontwikkelplan is opgeslagen. Bevestig het nu allebei.")
    return done(closing_url(trajectory), message)


@bp.route("/trajecten/<int:trajectory_id>/ontwikkelplan", methods=["GET", "POST"])
@permission(
    "development_plan.edit",
    TRAJECTORY,
    refusal=_l("Alleen de begeleider schrijft het ontwikkelplan, na de beoordeling."),
)
def plan(trajectory: Trajectory):
    current = services.current_plan(trajectory)
    form = _plan_form(trajectory, current)
    view = page("certificates/plan.html", form=form, trajectory=trajectory, plan=current)
    return save(form, lambda: _save_plan(trajectory, form), view)


@bp.route("/trajecten/<int:trajectory_id>/ontwikkelplan/bevestigen", methods=["POST"])
@permission(
    "development_plan.confirm",
    TRAJECTORY,
    refusal=_l("Alleen de vrijwilliger en de begeleider bevestigen het plan."),
)
def confirm_plan(trajectory: Trajectory):
    def action():
        number = request.form.get("number", type=int)
        services.confirm_plan(trajectory, number=number, actor=actor())
        return done(closing_url(trajectory), _("Je hebt het ontwikkelplan bevestigd."))

    return press(action, trajectory_url(trajectory))


@bp.route("/trajecten/<int:trajectory_id>/bewijs-van-deelname", methods=["POST"])
@permission(
    "certificate.issue",
    TRAJECTORY,
    refusal=_l("Alleen de begeleider geeft het bewijs van deelname uit."),
)
def issue(trajectory: Trajectory):
    return press(lambda: _issue(trajectory), trajectory_url(trajectory))


def _issue(trajectory: Trajectory):
    issuing.issue_certificate(trajectory, actor=actor())
    message = _(
        "Het bewijs van deelname is uitgegeven. %(name)s krijgt een e-mail.",
        name=trajectory.volunteer.display_name,
    )
    return done(closing_url(trajectory), message)
