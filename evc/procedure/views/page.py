"""The trajectory page: steps, next step, meetings, history, and the sections other domains add."""

from __future__ import annotations

from flask import current_app

from evc.formfields import EmptyForm
from evc.framework import current_framework
from evc.permissions import can
from evc.procedure import services
from evc.procedure.guidance import next_step
from evc.procedure.loaders import TRAJECTORY
from evc.procedure.models import Trajectory
from evc.procedure.phases import PHASE_LABELS, STEPS, Phase, unmet_guards
from evc.procedure.progress import load_progress
from evc.procedure.views.blueprint import bp
from evc.web import actor, page, permission

_SECTIONS = "evc.trajectory_sections"


def register_trajectory_section(app, section) -> None:
    """Let another domain add a section to the trajectory page: ``section(trajectory)``
    returns None or a dict with ``template`` and that template's context."""
    sections = app.extensions.setdefault(_SECTIONS, [])
    if section not in sections:
        sections.append(section)


def _sections(trajectory: Trajectory) -> list[dict]:
    found = (section(trajectory) for section in current_app.extensions.get(_SECTIONS, []))
    return [s for s in found if s]


@bp.route("/trajecten/<int:trajectory_id>")
@permission("trajectory.view", TRAJECTORY)
def trajectory(item: Trajectory):
    load_progress([item])
    is_volunteer = item.volunteer_id == actor().id
    return page(
        "procedure/trajectory.html",
        trajectory=item,
        progress=item.progress,
        framework=current_framework(item.framework_id),
        sessions=services.sessions_of(item),
        meetings=services.meetings_of(item),
        history=services.history_of(item),
        steps=STEPS,
        phase_labels=PHASE_LABELS,
        next_step=next_step(item, for_volunteer=is_volunteer),
        is_volunteer=is_volunteer,
        show_private=can("guidance.view_private_notes", item),
        submit_problems=_submit_problems(item),
        button_form=EmptyForm(),
        sections=_sections(item),
    ).render()


def _submit_problems(trajectory: Trajectory) -> list[str]:
    if trajectory.phase != Phase.RECOGNITION:
        return []
    return unmet_guards(trajectory, Phase.ASSESSMENT)
