"""The intake interview: the supervisor records the agreements, the volunteer confirms them and
recognition starts."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from evc.accounts.models import User
from evc.db import utcnow
from evc.errors import ConcurrentEdit, DomainError, flush_or_stale, stale_edit
from evc.extensions import db
from evc.procedure.models import Intake, Trajectory
from evc.procedure.phases import Phase
from evc.procedure.services.common import check_not_future, log_on_trajectory, notify, touch
from evc.procedure.services.moves import advance_phase


def record_intake(
    trajectory: Trajectory, data: dict, *, actor: User, version_id: int | None = None
) -> Intake:
    """Record or correct the intake. Only in the intake phase and before the volunteer
    confirmed it; a correction after someone else's save is refused (``ConcurrentEdit``)."""
    _check_intake(trajectory, data)
    intake, first = _intake_to_write(trajectory, version_id)
    for name, value in data.items():
        setattr(intake, name, value.strip() if isinstance(value, str) else value)
    intake.recorded_by_id = actor.id
    flush_or_stale()
    log_on_trajectory(trajectory, "intake.recorded" if first else "intake.changed", actor=actor)
    touch(trajectory)
    if first:
        _ask_volunteer_to_confirm(trajectory)
    return intake


def _ask_volunteer_to_confirm(trajectory: Trajectory) -> None:
    notify(
        trajectory.volunteer,
        "email/intake_recorded.txt",
        lambda: _("Lees en bevestig de afspraken van je begingesprek"),
        trajectory,
    )


def _check_intake(trajectory: Trajectory, data: dict) -> None:
    if trajectory.phase != Phase.INTAKE:
        raise DomainError(
            _("Het begingesprek kan alleen in de fase begingesprek worden aangepast.")
        )
    check_not_future(data["held_on"])
    if data["target_submission_date"] < data["held_on"]:
        raise DomainError(
            _("De streefdatum mag niet vóór de datum van het gesprek liggen."),
            field="target_submission_date",
        )
    if data.get("work_since") and data["work_since"] > date.today():
        raise DomainError(_("Deze datum mag niet in de toekomst liggen."), field="work_since")


def _intake_to_write(trajectory: Trajectory, version_id: int | None) -> tuple[Intake, bool]:
    """The intake to change (and whether it is the first save); refused once confirmed or
    when someone saved since the form was opened."""
    intake = trajectory.intake
    if intake is None:
        intake = Intake(trajectory_id=trajectory.id)
        db.session.add(intake)
        trajectory.intake = intake
        return intake, True
    if intake.confirmed_at is not None:
        raise DomainError(
            _(
                "De vrijwilliger heeft de afspraken al bevestigd. Ze kunnen niet "
                "meer worden gewijzigd."
            )
        )
    if version_id != intake.version_id:  # None: the form was opened before the first save
        raise stale_edit()
    return intake, False


def confirm_intake(trajectory: Trajectory, *, version_id: int | None, actor: User) -> None:
    """The volunteer confirms the agreements they read (``version_id``); recognition starts
    right away. Agreements changed after they were read are not confirmed."""
    intake = _intake_to_confirm(trajectory, version_id)
    intake.confirmed_at = utcnow()
    log_on_trajectory(trajectory, "intake.confirmed", actor=actor)
    advance_phase(trajectory, Phase.RECOGNITION, actor=actor)
    notify(
        trajectory.supervisor,
        "email/intake_confirmed.txt",
        lambda: _("%(name)s heeft de afspraken bevestigd", name=trajectory.volunteer.display_name),
        trajectory,
    )


def _intake_to_confirm(trajectory: Trajectory, version_id: int | None) -> Intake:
    intake = trajectory.intake
    if intake is None:
        raise DomainError(_("Er is nog geen begingesprek vastgelegd."))
    if intake.confirmed_at is not None:
        raise DomainError(_("Je hebt de afspraken al bevestigd."))
    if version_id != intake.version_id:
        raise ConcurrentEdit(
            _(
                "De afspraken zijn net aangepast door je begeleider. Lees ze opnieuw en bevestig "
                "ze dan."
            )
        )
    return intake
