"""Mails about clearances that expire soon and VOGs due for renewal, sent by
``flask evc send-clearance-reminders`` (daily from cron). Running it twice sends nothing twice:
each clearance is reminded once per validity period, each VOG once per issue date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from evc.accounts.models import User
from evc.audit import log_action
from evc.extensions import db
from evc.mail import absolute_url, mail_user
from evc.protocols.models import Clearance, VogStatus, VolunteerVog
from evc.protocols.services import expiring_clearances
from evc.protocols.status import local_today, vog_due_on

# --- clearances that expire soon -------------------------------------------------------------


def send_expiry_reminders(on: date | None = None) -> int:
    """Mail the volunteer and the granting instructor about each clearance that expires within
    ``CLEARANCE_WARNING_DAYS``; returns the number of mails queued."""
    expiring = expiring_clearances(None, on or local_today())
    sent = sum(_remind_of_expiry(c) for c in expiring if c.expiry_reminder_for != c.valid_until)
    db.session.flush()
    return sent


def _remind_of_expiry(clearance: Clearance) -> int:
    """Mail about one clearance and note it, once per validity period; the number of mails."""
    until = clearance.valid_until
    assert until is not None  # expiring: it has an end date
    recipients = _expiry_recipients(clearance)
    for person in recipients:
        _mail_expiry(clearance, person)
    clearance.expiry_reminder_for = until
    log_action(
        "clearance.expiry_reminder",
        organisation_id=clearance.organisation_id,
        obj=clearance,
        valid_until=until.isoformat(),
    )
    return len(recipients)


def _expiry_recipients(clearance: Clearance) -> list[User]:
    """The volunteer, and the instructor who granted it while their account is active."""
    granted_by = clearance.granted_by
    instructor = [granted_by] if granted_by is not None and granted_by.is_active_account else []
    return [clearance.volunteer, *instructor]


def _mail_expiry(clearance: Clearance, person: User) -> None:
    version = clearance.granted_version
    assert version is not None  # expiring: it was granted
    mail_user(
        person,
        "email/clearance_expiring.txt",
        _l("Een bevoegdverklaring verloopt binnenkort"),
        organisation_id=clearance.organisation_id,
        clearance=clearance,
        task=version.title,
        for_volunteer=person.id == clearance.volunteer_id,
        link=absolute_url("protocols.clearance", clearance_id=clearance.id),
    )


# --- VOGs due for renewal ----------------------------------------------------------------------


def send_vog_reminders(on: date | None = None) -> int:
    """Mail volunteers whose VOG is due for renewal within ``CLEARANCE_WARNING_DAYS`` (or
    overdue); returns the number of mails queued."""
    on = on or local_today()
    due = [record for record in _received_vogs() if _renewal_due(record, on)]
    for record in due:
        _remind_of_renewal(record)
    db.session.flush()
    return len(due)


def _received_vogs() -> Sequence[VolunteerVog]:
    return db.session.scalars(
        select(VolunteerVog)
        .where(VolunteerVog.status == VogStatus.RECEIVED, VolunteerVog.issued_on.is_not(None))
        .options(selectinload(VolunteerVog.volunteer))
    ).all()


def _renewal_due(record: VolunteerVog, on: date) -> bool:
    """Due within the warning days (or overdue), not yet reminded for this issue date, and the
    volunteer's account still active."""
    warn = timedelta(days=current_app.config["CLEARANCE_WARNING_DAYS"])
    due = vog_due_on(record)
    if due is None or due - warn > on or record.renewal_reminder_for == record.issued_on:
        return False
    return record.volunteer.is_active_account


def _remind_of_renewal(record: VolunteerVog) -> None:
    mail_user(
        record.volunteer,
        "email/vog_renewal.txt",
        _l("Je VOG moet vernieuwd worden"),
        organisation_id=record.organisation_id,
        due=vog_due_on(record),
        years=current_app.config["VOG_RENEWAL_YEARS"],
        link=absolute_url("protocols.home"),
    )
    record.renewal_reminder_for = record.issued_on
    log_action("vog.renewal_reminder", organisation_id=record.organisation_id, obj=record.volunteer)
