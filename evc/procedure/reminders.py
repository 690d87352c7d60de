"""Reminders for stalled trajectories, sent by ``flask evc send-reminders`` (from cron)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.db import utcnow
from evc.extensions import db
from evc.mail import absolute_url, mail_user
from evc.procedure.models import Trajectory
from evc.procedure.phases import ACTIVE_PHASES, PHASE_LABELS
from evc.procedure.services.common import log_on_trajectory
from evc.procedure.settings import settings_for

# A supervisor hears about the same stalled trajectory at most once a week.
REMIND_AGAIN_AFTER = timedelta(days=7)


def stalled_trajectories(now=None) -> list[Trajectory]:
    """Active trajectories without activity for longer than their organisation allows."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(Trajectory)
        .where(Trajectory.phase.in_(ACTIVE_PHASES))
        .options(joinedload(Trajectory.volunteer), joinedload(Trajectory.supervisor))
    ).all()
    limits = settings_for({t.organisation_id for t in candidates}) if candidates else {}
    return [
        t
        for t in candidates
        if now - t.last_activity_at
        > timedelta(days=limits[t.organisation_id].stalled_after_days)
    ]


def send_stall_reminders(now=None) -> int:
    """Queue one mail per supervisor listing their stalled trajectories; returns the number of
    mails. Trajectories reminded less than a week ago (and not active since) are skipped."""
    now = now or utcnow()
    due = [t for t in stalled_trajectories(now) if _reminder_due(t, now)]
    per_supervisor: dict[int, list[Trajectory]] = defaultdict(list)
    for trajectory in due:
        per_supervisor[trajectory.supervisor_id].append(trajectory)
    for trajectories in per_supervisor.values():
        _remind_supervisor(trajectories, now)
        _mark_reminded(trajectories, now)
    db.session.flush()
    return len(per_supervisor)


def _reminder_due(trajectory: Trajectory, now) -> bool:
    reminded = trajectory.stall_reminder_at
    return reminded is None or now - reminded > REMIND_AGAIN_AFTER


def _remind_supervisor(trajectories: list[Trajectory], now) -> None:
    """One mail to the supervisor of ``trajectories``, with the days since the last activity."""
    mail_user(
        trajectories[0].supervisor,
        "email/stalled_reminder.txt",
        lambda: _("Trajecten waar niets meer gebeurt"),
        organisation_id=_one_organisation(trajectories),
        stalled=[(t, (now - t.last_activity_at).days) for t in trajectories],
        links={
            t.id: absolute_url("procedure.trajectory", trajectory_id=t.id) for t in trajectories
        },
        phase_labels=PHASE_LABELS,
    )


def _mark_reminded(trajectories: list[Trajectory], now) -> None:
    for trajectory in trajectories:
        trajectory.stall_reminder_at = now
        log_on_trajectory(trajectory, "trajectory.stall_reminder", actor=None)


def _one_organisation(trajectories: list[Trajectory]) -> int | None:
    """The organisation a reminder is sent for; None when it lists trajectories of several
    (then no single organisation's coordinator reads it in the outbox)."""
    ids = {trajectory.organisation_id for trajectory in trajectories}
    return ids.pop() if len(ids) == 1 else None
