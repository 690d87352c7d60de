"""The lists of trajectories (an organisation's, a supervisor's own) and starting one."""

from __future__ import annotations

from datetime import timedelta

from flask import request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Membership, Organisation, Role, User
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.paging import paginate
from evc.permissions import can
from evc.procedure import services
from evc.procedure.forms import StartTrajectoryForm
from evc.procedure.loaders import trajectory_url
from evc.procedure.models import Trajectory
from evc.procedure.phases import ACTIVE_PHASES, PHASE_LABELS, Phase
from evc.procedure.progress import load_progress
from evc.procedure.views.blueprint import bp
from evc.urls import number_arg
from evc.web import actor, done, page, permission, save

PAGE_SIZE = 25


def stalled(trajectory: Trajectory) -> bool:
    days = trajectory.progress.stalled_after_days
    return trajectory.is_active and utcnow() - trajectory.last_activity_at > timedelta(days=days)


def people_with_role(organisation: Organisation, role: Role) -> list[User]:
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


# --- lists ---------------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/trajecten")
@permission("trajectory.list_organisation", ORGANISATION)
def organisation_trajectories(organisation: Organisation):
    """All trajectories of the organisation, filterable by phase and supervisor, paginated."""
    phase = request.args.get("fase", "")
    supervisor_id = request.args.get("begeleider", type=number_arg)
    trajectories = paginate(_listed(_filtered(organisation, phase, supervisor_id)), size=PAGE_SIZE)
    load_progress(trajectories.items)
    return page(
        "procedure/organisation_trajectories.html",
        organisation=organisation,
        trajectories=trajectories,
        supervisors=people_with_role(organisation, Role.SUPERVISOR),
        phase=phase,
        supervisor_id=supervisor_id,
        stalled=stalled,
        phase_labels=PHASE_LABELS,
    ).render()


def _filtered(organisation: Organisation, phase: str, supervisor_id: int | None):
    query = select(Trajectory).where(Trajectory.organisation_id == organisation.id)
    if phase in {p.value for p in Phase}:
        query = query.where(Trajectory.phase == Phase(phase))
    if supervisor_id:
        query = query.where(Trajectory.supervisor_id == supervisor_id)
    return query


def _listed(query):
    """Most recently active first, with the names the list shows."""
    return query.options(
        joinedload(Trajectory.volunteer), joinedload(Trajectory.supervisor)
    ).order_by(Trajectory.last_activity_at.desc(), Trajectory.id.desc())


@bp.route("/begeleiding")
@permission("trajectory.list_supervised")
def supervised():
    """The supervisor's own trajectories: phase, progress, days since last activity."""
    trajectories = db.session.scalars(
        select(Trajectory)
        .where(Trajectory.supervisor_id == actor().id)
        .options(joinedload(Trajectory.volunteer), joinedload(Trajectory.organisation))
        .order_by(Trajectory.phase.in_(ACTIVE_PHASES).desc(), Trajectory.last_activity_at)
    ).all()
    trajectories = [t for t in trajectories if can("trajectory.view", t)]
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
    everyone = people_with_role(organisation, Role.VOLUNTEER)
    busy = _volunteers_with_an_active_trajectory(organisation)
    volunteers = [u for u in everyone if u.id not in busy]
    supervisors = people_with_role(organisation, Role.SUPERVISOR)
    form = _start_form(volunteers, supervisors)

    def action():
        volunteer = _one_of(everyone, form.volunteer.data, "volunteer")
        supervisor = _one_of(supervisors, form.supervisor.data, "supervisor")
        trajectory = services.start_trajectory(
            organisation, volunteer=volunteer, supervisor=supervisor, actor=actor()
        )
        message = _("Het traject van %(name)s is gestart.", name=volunteer.display_name)
        return done(trajectory_url(trajectory), message)

    view = page(
        "procedure/start.html",
        form=form, organisation=organisation,
        has_volunteers=bool(volunteers), has_supervisors=bool(supervisors),
    )  # fmt: skip
    return save(form, action, view)


def _volunteers_with_an_active_trajectory(organisation: Organisation) -> set[int]:
    """One active trajectory per volunteer, in whichever organisation it runs."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation.id)
    return set(
        db.session.scalars(
            select(Trajectory.volunteer_id).where(
                Trajectory.volunteer_id.in_(members), Trajectory.phase.in_(ACTIVE_PHASES)
            )
        )
    )


def _start_form(volunteers: list[User], supervisors: list[User]) -> StartTrajectoryForm:
    form = StartTrajectoryForm()
    form.volunteer.choices = [(0, _("Kies een vrijwilliger"))] + [
        (u.id, u.display_name) for u in volunteers
    ]
    form.supervisor.choices = [(0, _("Kies een begeleider"))] + [
        (u.id, u.display_name) for u in supervisors
    ]
    return form


def _one_of(people: list[User], user_id: int, field: str) -> User:
    """The person chosen in ``field``, who must be one of ``people`` of this organisation."""
    chosen = next((u for u in people if u.id == user_id), None)
    if chosen is not None:
        return chosen
    if field == "volunteer":
        raise DomainError(_("Kies een vrijwilliger van deze organisatie."), field="volunteer")
    raise DomainError(_("Kies een begeleider van deze organisatie."), field="supervisor")
