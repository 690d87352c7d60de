"""The coordinator's side: the overview of submitted portfolios, the organisation's procedure
settings, and what the trajectory page shows about the assessment."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation
from evc.assessment import services
from evc.assessment.forms import SettingsForm
from evc.assessment.views.blueprint import bp
from evc.assessment.views.common import status_labels
from evc.db import utcnow
from evc.permissions import can
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.procedure.settings import save_settings
from evc.web import actor, done, page, permission, save

# --- the overview ----------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/beoordelingen")
@permission("assessment.overview", ORGANISATION)
def overview(organisation: Organisation):
    """The coordinator's view: submissions without an assessor, running assessments with the
    days waiting, and lead times of finished ones."""
    wanted = 2 if services.settings_of(organisation.id).two_assessors else 1
    lists = _overview_lists(services.submitted_of(organisation), wanted)
    return render_template(
        "assessment/overview.html",
        organisation=organisation,
        **lists,
        median_lead_days=_median([row["lead_days"] for row in lists["finished"]]),
        status_labels=status_labels(),
    )


def _overview_lists(trajectories, wanted: int) -> dict:
    """The submissions in the list each belongs in, with their assignments."""
    ids = [t.id for t in trajectories]
    assignments = services.assignments_by_trajectory(ids)
    finals = services.finalised_at(ids)
    lists: dict[str, list] = {"unassigned": [], "running": [], "finished": []}
    now = utcnow()
    for trajectory in trajectories:
        row = {"trajectory": trajectory, "assignments": assignments.get(trajectory.id, [])}
        where = _place(row, finals.get(trajectory.id), wanted, now)
        if where is not None:
            lists[where].append(row)
    return lists


def _place(row: dict, final, wanted: int, now) -> str | None:
    """Which list a submission belongs in, with the days it shows there."""
    trajectory, own = row["trajectory"], row["assignments"]
    if final is not None:
        row["lead_days"] = (final - trajectory.submitted_at).days
        return "finished"
    row["days"] = (now - trajectory.submitted_at).days
    if trajectory.phase == Phase.ASSESSMENT and len(own) < wanted:
        return "unassigned"
    if trajectory.phase in (Phase.ASSESSMENT, Phase.RECOGNITION) and own:
        row["returned"] = trajectory.phase == Phase.RECOGNITION
        return "running"
    return None


def _median(values: list[int]) -> int | None:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else None


# --- settings --------------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/instellingen", methods=["GET", "POST"])
@permission("organisation.settings", ORGANISATION)
def settings(organisation: Organisation):
    form = SettingsForm(obj=services.settings_of(organisation))

    def action():
        save_settings(organisation, form.values(), actor=actor())
        back = url_for("assessment.settings", organisation_id=organisation.id)
        return done(back, _("De instellingen zijn opgeslagen."))

    return save(
        form, action, page("assessment/settings.html", form=form, organisation=organisation)
    )


# --- on the trajectory page --------------------------------------------------------------------


def trajectory_section(trajectory: Trajectory) -> dict | None:
    """What the trajectory page shows about the assessment (volunteer, supervisor, coordinator):
    who assesses, what the assessor asked for when returning it, and the report link."""
    if trajectory.submitted_at is None:
        return None
    returns = services.returns_of(trajectory.id)
    return {
        "template": "assessment/_trajectory_section.html",
        "assignments": services.open_assignments(trajectory),
        "latest_return": returns[0] if returns and trajectory.phase == Phase.RECOGNITION else None,
        "report_final": services.has_final_report(trajectory),
        "may_assign": can("assessment.assign", trajectory)
        and bool(services.needed_positions(trajectory)),
    }
