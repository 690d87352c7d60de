"""Start page, the dashboard (one section per role held) and the competency framework pages."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Membership, Organisation, Role
from evc.accounts.services import open_offers_for
from evc.assessment.models import Assignment, AssignmentStatus
from evc.db import utcnow
from evc.extensions import db
from evc.framework import current_framework
from evc.participation.services import case_manager_summary as summary
from evc.participation.services import dashboard_summary
from evc.permissions import can
from evc.procedure.guidance import next_step
from evc.procedure.models import Trajectory
from evc.procedure.phases import ACTIVE_PHASES, PHASE_LABELS, STEPS, Phase
from evc.procedure.settings import settings_for
from evc.web import actor, page, permission, public

bp = Blueprint("core", __name__)


@bp.route("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return redirect(url_for("accounts.login"))


def _organisations_with_counts(organisation_ids: set[int]):
    """Organisations with their number of members, in one query."""
    if not organisation_ids:
        return []
    rows = db.session.execute(
        select(Organisation, func.count(func.distinct(Membership.user_id)))
        .join(Membership, Membership.organisation_id == Organisation.id, isouter=True)
        .where(Organisation.id.in_(organisation_ids))
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [(organisation, count) for organisation, count in rows]


@bp.route("/overzicht")
@permission("dashboard.view")
def dashboard():
    user = actor()
    roles = {m.role for m in user.memberships}
    coordinated = _organisations_with_counts(user.organisation_ids(Role.COORDINATOR))
    own = own_trajectory(user) if Role.VOLUNTEER in roles else None
    return page(
        "core/dashboard.html",
        roles=roles,
        Role=Role,
        offers=open_offers_for(user),
        coordinated=coordinated,
        show_outbox=can("outbox.view"),
        own_trajectory=own,
        own_next_step=next_step(own, for_volunteer=True) if own else None,
        supervised=supervised_summary(user) if Role.SUPERVISOR in roles else None,
        assessing=assessing_summary(user) if Role.ASSESSOR in roles else None,
        participation=participation_summary(user, roles),
        case_manager=case_manager_summary(user) if Role.CASE_MANAGER in roles else None,
        steps=STEPS,
        phase_labels=PHASE_LABELS,
    ).render()


def own_trajectory(user):
    """The volunteer's active trajectory, else the most recent one."""
    return db.session.scalar(
        select(Trajectory)
        .where(Trajectory.volunteer_id == user.id)
        .options(joinedload(Trajectory.supervisor))
        .order_by(Trajectory.phase.in_(ACTIVE_PHASES).desc(), Trajectory.id.desc())
        .limit(1)
    )


def supervised_summary(user) -> dict:
    """How many active trajectories the supervisor has, and how many have stalled."""
    rows = db.session.execute(
        select(Trajectory.last_activity_at, Trajectory.organisation_id).where(
            Trajectory.supervisor_id == user.id,
            Trajectory.phase.in_(ACTIVE_PHASES),
            # only where they still are a supervisor, as on the list itself
            Trajectory.organisation_id.in_(user.organisation_ids(Role.SUPERVISOR)),
        )
    ).all()
    limits = settings_for({r.organisation_id for r in rows}) if rows else {}
    now = utcnow()
    stalled = sum(
        1
        for r in rows
        if now - r.last_activity_at
        > timedelta(days=limits[r.organisation_id].stalled_after_days)
    )
    return {"active": len(rows), "stalled": stalled}


def assessing_summary(user) -> dict:
    """How many portfolios wait for the assessor's declaration, and how many are in progress."""
    counts = dict(
        db.session.execute(
            select(Assignment.status, func.count(Assignment.id))
            .join(Trajectory, Trajectory.id == Assignment.trajectory_id)
            .where(
                Assignment.assessor_id == user.id,
                Trajectory.phase != Phase.WITHDRAWN,
                Assignment.status.in_(
                    (AssignmentStatus.ASSIGNED, AssignmentStatus.ACTIVE, AssignmentStatus.JUDGED)
                ),
            )
            .group_by(Assignment.status)
        ).all()
    )
    return {
        "new": counts.get(AssignmentStatus.ASSIGNED, 0),
        "busy": counts.get(AssignmentStatus.ACTIVE, 0) + counts.get(AssignmentStatus.JUDGED, 0),
    }


def case_manager_summary(user) -> dict:
    """How many participation reports the klantmanager may read (and how many are new)."""
    return summary(user)


def participation_summary(user, roles) -> dict:
    """The client's agreements with this month's hours, and the host contact's pending count."""
    return dashboard_summary(user, client=Role.CLIENT in roles, host=Role.SUPERVISOR in roles)


@bp.route("/competenties")
@permission("framework.view")
def competencies():
    return page("core/competencies.html", framework=current_framework()).render()


@bp.route("/competenties/<competency_id>")
@permission("framework.view")
def competency(competency_id: str):
    framework = current_framework()
    try:
        item = framework.competency(competency_id)
    except KeyError:
        abort(404)
    return page("core/competency.html", framework=framework, competency=item).render()
