"""Guidance sessions with one volunteer, and group meetings for several."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.models import Organisation, Role
from evc.extensions import db
from evc.formfields import filled
from evc.once import consume_once
from evc.procedure import services
from evc.procedure.forms import GroupMeetingForm, GuidanceSessionForm
from evc.procedure.loaders import TRAJECTORY, trajectory_url
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.procedure.views.blueprint import bp
from evc.web import actor, done, page, permission, save


@bp.route("/trajecten/<int:trajectory_id>/gesprekken/nieuw", methods=["GET", "POST"])
@permission(
    "guidance.log",
    TRAJECTORY,
    refusal=_l("Alleen de begeleider legt gesprekken vast, tot het portfolio is ingediend."),
)
def new_session(trajectory: Trajectory):
    form = GuidanceSessionForm()

    def action():
        consume_once(form)
        services.log_guidance_session(
            trajectory,
            held_on=filled(form.held_on.data),
            topics=filled(form.topics.data),
            shared_notes=form.shared_notes.data or "",
            private_notes=form.private_notes.data or "",
            actor=actor(),
        )
        return done(trajectory_url(trajectory), _("Het gesprek is opgeslagen."))

    return save(form, action, page("procedure/session.html", form=form, trajectory=trajectory))


@bp.route("/groepsbijeenkomsten/nieuw", methods=["GET", "POST"])
@permission("group_meeting.log")
def new_group_meeting():
    """Log a group meeting for volunteers one supervises in one organisation."""
    organisations = _supervised_organisations()
    organisation = _chosen(organisations)
    trajectories = _on_the_list(organisation)
    form = _group_meeting_form(trajectories)

    def action():
        consume_once(form)
        services.log_group_meeting(
            organisation,
            held_on=filled(form.held_on.data),
            topic=filled(form.topic.data),
            attendance=_attendance(form, trajectories),
            trajectories=trajectories,
            actor=actor(),
        )
        return done(url_for("procedure.supervised"), _("De groepsbijeenkomst is opgeslagen."))

    view = page(
        "procedure/group_meeting.html", form=form, organisation=organisation,
        organisations=organisations, trajectories=trajectories,
    )  # fmt: skip
    return save(form, action, view)


def _group_meeting_form(trajectories: list[Trajectory]) -> GroupMeetingForm:
    """The form, with a box to tick for each volunteer on the list."""
    form = GroupMeetingForm()
    form.present.choices = [(t.id, t.volunteer.display_name) for t in trajectories]
    return form


def _supervised_organisations() -> list[Organisation]:
    memberships = actor().memberships
    found = {m.organisation for m in memberships if m.role == Role.SUPERVISOR}
    return sorted(found, key=lambda o: o.name)


def _chosen(organisations: list[Organisation]) -> Organisation:
    """The organisation the form is for (the first by default); 404 for one not supervised."""
    organisation_id = request.values.get("organisatie", type=int) or organisations[0].id
    organisation = next((o for o in organisations if o.id == organisation_id), None)
    if organisation is None:
        abort(404)
    return organisation


def _on_the_list(organisation: Organisation) -> list[Trajectory]:
    """The actor's own volunteers in this organisation who still meet."""
    return list(
        db.session.scalars(
            select(Trajectory)
            .where(
                Trajectory.supervisor_id == actor().id,
                Trajectory.organisation_id == organisation.id,
                Trajectory.phase.in_((Phase.INTAKE, Phase.RECOGNITION)),
            )
            .options(joinedload(Trajectory.volunteer))
            .order_by(Trajectory.id)
        )
    )


def _attendance(form: GroupMeetingForm, trajectories: list[Trajectory]) -> dict[int, bool]:
    present = set(form.present.data or [])
    attendance = {t.id: t.id in present for t in trajectories}
    attendance.update({tid: True for tid in present - set(attendance)})  # refused by the service
    return attendance
