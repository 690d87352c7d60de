"""Start page, the dashboard (one section per role held) and the competency framework pages."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from evc.accounts.models import Membership, Organisation, Role
from evc.extensions import db
from evc.framework import current_framework
from evc.permissions import can, permission, public

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
    user = current_user
    roles = {m.role for m in user.memberships}
    coordinated = _organisations_with_counts(user.organisation_ids(Role.COORDINATOR))
    return render_template(
        "core/dashboard.html",
        roles=roles,
        Role=Role,
        coordinated=coordinated,
        show_outbox=can("outbox.view"),
    )


@bp.route("/competenties")
@permission("framework.view")
def competencies():
    return render_template("core/competencies.html", framework=current_framework())


@bp.route("/competenties/<competency_id>")
@permission("framework.view")
def competency(competency_id: str):
    framework = current_framework()
    try:
        item = framework.competency(competency_id)
    except KeyError:
        abort(404)
    return render_template("core/competency.html", framework=framework, competency=item)
