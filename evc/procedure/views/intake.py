"""The intake interview: the supervisor records the agreements, the volunteer confirms them."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.procedure import services
from evc.procedure.forms import IntakeForm
from evc.procedure.loaders import TRAJECTORY, trajectory_url
from evc.procedure.models import Intake, Trajectory
from evc.procedure.views.blueprint import bp
from evc.web import actor, done, page, permission, press, refuse, save, stored_version

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
@permission(
    "intake.record",
    TRAJECTORY,
    refusal=_l(
        "Alleen de begeleider legt het begingesprek vast, en alleen in de fase begingesprek."
    ),
)
def intake(trajectory: Trajectory):
    if trajectory.intake is not None and trajectory.intake.confirmed_at is not None:
        return refuse(_confirmed_already(), trajectory_url(trajectory))
    form = IntakeForm(obj=trajectory.intake)
    view = page("procedure/intake.html", form=form, trajectory=trajectory)
    conflict = lambda: stored_version(form, Intake, trajectory_id=trajectory.id)  # noqa: E731
    return save(form, lambda: _record(trajectory, form), view, conflict=conflict)


def _record(trajectory: Trajectory, form: IntakeForm):
    data = {name: getattr(form, name).data for name in INTAKE_FIELDS}
    version = form.version_id.data or None
    services.record_intake(trajectory, data, actor=actor(), version_id=version)
    return done(trajectory_url(trajectory), _recorded(trajectory))


def _confirmed_already() -> str:
    return _(
        "De vrijwilliger heeft de afspraken al bevestigd. Ze kunnen niet "
        "meer worden gewijzigd."
    )


def _recorded(trajectory: Trajectory) -> str:
    return _(
        "Het begingesprek is opgeslagen. %(name)s krijgt een e-mail om de afspraken "
        "te bevestigen.",
        name=trajectory.volunteer.display_name,
    )


@bp.route("/trajecten/<int:trajectory_id>/begingesprek/bevestigen", methods=["POST"])
@permission(
    "intake.confirm",
    TRAJECTORY,
    refusal=_l(
        "Alleen de vrijwilliger bevestigt de afspraken, en alleen in de fase begingesprek."
    ),
)
def confirm_intake(trajectory: Trajectory):
    def action():
        version = request.form.get("version_id", type=int)
        services.confirm_intake(trajectory, version_id=version, actor=actor())
        message = _("Je hebt de afspraken bevestigd. Je kunt nu je competenties kiezen.")
        return done(trajectory_url(trajectory), message)

    return press(action, trajectory_url(trajectory))
