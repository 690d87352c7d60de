"""Start page, the dashboard (one section per role held) and the competency framework pages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from flask_login import current_user
from sqlalchemy import func, select

from evc.accounts.models import Membership, Organisation, Role
from evc.accounts.services import open_offers_for
from evc.assessment.services import queue_summary
from evc.extensions import db
from evc.framework import current_framework
from evc.participation.services import case_manager_summary as summary
from evc.participation.services import dashboard_summary
from evc.permissions import can
from evc.procedure.guidance import next_step
from evc.procedure.phases import PHASE_LABELS, STEPS
from evc.procedure.services import latest_trajectory_of, supervised_counts
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
    own = latest_trajectory_of(user) if Role.VOLUNTEER in roles else None
    return page(
        "core/dashboard.html",
        roles=roles,
        Role=Role,
        offers=open_offers_for(user),
        coordinated=coordinated,
        show_outbox=can("outbox.view"),
        own_trajectory=own,
        own_next_step=next_step(own, for_volunteer=True) if own else None,
        supervised=supervised_counts(user) if Role.SUPERVISOR in roles else None,
        assessing=queue_summary(user) if Role.ASSESSOR in roles else None,
        participation=participation_summary(user, roles),
        case_manager=case_manager_summary(user) if Role.CASE_MANAGER in roles else None,
        steps=STEPS,
        phase_labels=PHASE_LABELS,
    ).render()


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
