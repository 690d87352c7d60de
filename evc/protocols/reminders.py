"""Mails about clearances that expire soon and VOGs due for renewal, sent by
``flask evc send-clearance-reminders`` (daily from cron). Running it twice sends nothing twice:
each clearance is reminded once per validity period, each VOG once per issue date."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from evc.accounts.models import User
from evc.audit import log_action
from evc.extensions import db
from evc.mail import absolute_url, queue_mail
from evc.protocols.models import VogStatus, VolunteerVog
from evc.protocols.services import expiring_clearances
from evc.protocols.status import local_today, vog_due_on


def _mail(user: User, template: str, subject, organisation_id: int, **context) -> None:
    with force_locale(user.language):
        body = render_template(template, user=user, **context)
        queue_mail(user, str(subject), body, organisation_id=organisation_id)


def send_expiry_reminders(on: date | None = None) -> int:
    """Mail the volunteer and the granting instructor about each clearance that expires within
    ``CLEARANCE_WARNING_DAYS``; returns the number of mails queued."""
    on = on or local_today()
    sent = 0
    for clearance in expiring_clearances(None, on):
        version, until = clearance.granted_version, clearance.valid_until
        assert version is not None and until is not None  # granted, and expiring: it has both
        if clearance.expiry_reminder_for == until:
            continue
        link = absolute_url("protocols.clearance", clearance_id=clearance.id)
        recipients = [clearance.volunteer]
        if clearance.granted_by is not None and clearance.granted_by.is_active_account:
            recipients.append(clearance.granted_by)
        for person in recipients:
            _mail(
                person,
                "email/clearance_expiring.txt",
                _l("Een bevoegdverklaring verloopt binnenkort"),
                clearance.organisation_id,
                clearance=clearance,
                task=version.title,
                for_volunteer=person.id == clearance.volunteer_id,
                link=link,
            )
            sent += 1
        clearance.expiry_reminder_for = until
        log_action(
            "clearance.expiry_reminder",
            organisation_id=clearance.organisation_id,
            obj=clearance,
            valid_until=until.isoformat(),
        )
    db.session.flush()
    return sent


def send_vog_reminders(on: date | None = None) -> int:
    """Mail volunteers whose VOG is due for renewal within ``CLEARANCE_WARNING_DAYS`` (or
    overdue); returns the number of mails queued."""
    on = on or local_today()
    warn = timedelta(days=current_app.config["CLEARANCE_WARNING_DAYS"])
    records = db.session.scalars(
        select(VolunteerVog)
        .where(VolunteerVog.status == VogStatus.RECEIVED, VolunteerVog.issued_on.is_not(None))
        .options(selectinload(VolunteerVog.volunteer))
    ).all()
    sent = 0
    for record in records:
        due = vog_due_on(record)
        if due is None or due - warn > on or record.renewal_reminder_for == record.issued_on:
            continue
        if not record.volunteer.is_active_account:
            continue
        _mail(
            record.volunteer,
            "email/vog_renewal.txt",
            _l("Je VOG moet vernieuwd worden"),
            record.organisation_id,
            due=due,
            years=current_app.config["VOG_RENEWAL_YEARS"],
            link=absolute_url("protocols.home"),
        )
        record.renewal_reminder_for = record.issued_on
        log_action(
            "vog.renewal_reminder", organisation_id=record.organisation_id, obj=record.volunteer
        )
        sent += 1
    db.session.flush()
    return sent
