"""What every write of the procedure shares: touching the trajectory, its audit row and mailing
about it."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from evc.accounts.models import User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.mail import absolute_url, mail_user
from evc.procedure.models import Trajectory


def touch(trajectory: Trajectory) -> None:
    """Something happened on the trajectory: it is active now and its counts changed."""
    trajectory.last_activity_at = utcnow()
    trajectory._progress = None  # counts changed: reload when next asked


def log_on_trajectory(
    trajectory: Trajectory, action: str, *, actor: User | None, **details
) -> None:
    """Write the audit row of ``action`` on ``trajectory``, in its organisation."""
    organisation_id = trajectory.organisation_id
    log_action(action, actor=actor, organisation_id=organisation_id, obj=trajectory, **details)


def notify(user: User, template: str, subject, trajectory: Trajectory, **context) -> None:
    """Mail ``user`` about ``trajectory``, with a link to its page."""
    link = absolute_url("procedure.trajectory", trajectory_id=trajectory.id)
    mail_user(
        user,
        template,
        subject,
        organisation_id=trajectory.organisation_id,
        trajectory=trajectory,
        link=link,
        **context,
    )


def check_not_future(held_on: date, field: str = "held_on") -> None:
    if held_on > date.today():
        raise DomainError(
            _("Een gesprek dat al gehouden is, kan niet in de toekomst liggen."), field=field
        )
