"""Reminders for stalled trajectories, sent by ``flask evc send-reminders`` (from cron)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.audit import log_action
from evc.db import utcnow
from evc.extensions import db
from evc.mail import absolute_url, queue_mail
from evc.procedure.models import Trajectory
from evc.procedure.phases import ACTIVE_PHASES, PHASE_LABELS
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
    due = [
        t
        for t in stalled_trajectories(now)
        if t.stall_reminder_at is None or now - t.stall_reminder_at > REMIND_AGAIN_AFTER
    ]
    per_supervisor: dict[int, list[Trajectory]] = defaultdict(list)
    for trajectory in due:
        per_supervisor[trajectory.supervisor_id].append(trajectory)
    for trajectories in per_supervisor.values():
        supervisor = trajectories[0].supervisor
        with force_locale(supervisor.language):
            body = render_template(
                "email/stalled_reminder.txt",
                user=supervisor,
                stalled=[(t, (now - t.last_activity_at).days) for t in trajectories],
                links={
                    t.id: absolute_url("procedure.trajectory", trajectory_id=t.id)
                    for t in trajectories
                },
                phase_labels=PHASE_LABELS,
            )
            queue_mail(
                supervisor,
                _("Trajecten waar niets meer gebeurt"),
                body,
                organisation_id=_one_organisation(trajectories),
            )
        for trajectory in trajectories:
            trajectory.stall_reminder_at = now
            log_action(
                "trajectory.stall_reminder",
                organisation_id=trajectory.organisation_id,
                obj=trajectory,
            )
    db.session.flush()
    return len(per_supervisor)


def _one_organisation(trajectories: list[Trajectory]) -> int | None:
    """The organisation a reminder is sent for; None when it lists trajectories of several
    (then no single organisation's coordinator reads it in the outbox)."""
    ids = {trajectory.organisation_id for trajectory in trajectories}
    return ids.pop() if len(ids) == 1 else None
