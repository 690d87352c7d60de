"""The lists of trajectories (an organisation's, a supervisor's own) and starting one."""

from __future__ import annotations

from datetime import timedelta

from flask import request
from flask_babel import gettext as _

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation, Role, User
from evc.db import utcnow
from evc.errors import DomainError
from evc.formfields import person_choices
from evc.paging import paginate
from evc.permissions import can
from evc.procedure import services
from evc.procedure.forms import StartTrajectoryForm
from evc.procedure.loaders import trajectory_url
from evc.procedure.models import Trajectory
from evc.procedure.phases import PHASE_LABELS
from evc.procedure.progress import load_progress
from evc.procedure.views.blueprint import bp
from evc.urls import number_arg
from evc.web import actor, done, page, permission, save

PAGE_SIZE = 25


def stalled(trajectory: Trajectory) -> bool:
    days = trajectory.progress.stalled_after_days
    return trajectory.is_active and utcnow() - trajectory.last_activity_at > timedelta(days=days)


# --- lists ---------------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/trajecten")
@permission("trajectory.list_organisation", ORGANISATION)
def organisation_trajectories(organisation: Organisation):
    """All trajectories of the organisation, filterable by phase and supervisor, paginated."""
    phase = request.args.get("fase", "")
    supervisor_id = request.args.get("begeleider", type=number_arg)
    query = services.organisation_trajectories(organisation, phase, supervisor_id)
    trajectories = paginate(query, size=PAGE_SIZE)
    load_progress(trajectories.items)
    return page(
        "procedure/organisation_trajectories.html",
        organisation=organisation,
        trajectories=trajectories,
        supervisors=services.people_with_role(organisation, Role.SUPERVISOR),
        phase=phase,
        supervisor_id=supervisor_id,
        stalled=stalled,
        phase_labels=PHASE_LABELS,
    ).render()


@bp.route("/begeleiding")
@permission("trajectory.list_supervised")
def supervised():
    """The supervisor's own trajectories: phase, progress, days since last activity."""
    trajectories = [t for t in services.supervised_by(actor()) if can("trajectory.view", t)]
    load_progress(trajectories)
    return page(
        "procedure/supervised.html",
        trajectories=trajectories,
        stalled=stalled,
        now=utcnow(),
        phase_labels=PHASE_LABELS,
    ).render()


# --- starting ------------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/trajecten/nieuw", methods=["GET", "POST"])
@permission("trajectory.start", ORGANISATION)
def start(organisation: Organisation):
    everyone = services.people_with_role(organisation, Role.VOLUNTEER)
    busy = services.volunteers_with_an_active_trajectory(organisation)
    volunteers = [u for u in everyone if u.id not in busy]
    supervisors = services.people_with_role(organisation, Role.SUPERVISOR)
    form = _start_form(volunteers, supervisors)
    view = page(
        "procedure/start.html",
        form=form, organisation=organisation,
        has_volunteers=bool(volunteers), has_supervisors=bool(supervisors),
    )  # fmt: skip
    return save(form, lambda: _start(organisation, form, everyone, supervisors), view)


def _start(organisation: Organisation, form: StartTrajectoryForm, volunteers, supervisors):
    """Start the trajectory of the chosen volunteer (a volunteer with one already running
    is refused by the service, with the reason)."""
    volunteer = _one_of(volunteers, form.volunteer.data, "volunteer")
    supervisor = _one_of(supervisors, form.supervisor.data, "supervisor")
    trajectory = services.start_trajectory(
        organisation, volunteer=volunteer, supervisor=supervisor, actor=actor()
    )
    message = _("Het traject van %(name)s is gestart.", name=volunteer.display_name)
    return done(trajectory_url(trajectory), message)


def _start_form(volunteers: list[User], supervisors: list[User]) -> StartTrajectoryForm:
    form = StartTrajectoryForm()
    form.volunteer.choices = person_choices(_("Kies een vrijwilliger"), volunteers)
    form.supervisor.choices = person_choices(_("Kies een begeleider"), supervisors)
    return form


def _one_of(people: list[User], user_id: int, field: str) -> User:
    """The person chosen in ``field``, who must be one of ``people`` of this organisation."""
    chosen = next((u for u in people if u.id == user_id), None)
    if chosen is not None:
        return chosen
    if field == "volunteer":
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."), field="volunteer")
    raise DomainError(_("Kies een begeleider van deze organisatie."), field="supervisor")
