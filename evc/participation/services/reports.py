"""The municipality's participation report: issuing, revoking, and the public check."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from evc import throttle
from evc.accounts.models import User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError
from evc.extensions import db
from evc.mail import absolute_url
from evc.participation import report
from evc.participation.models import (
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
)
from evc.participation.services.agreements import in_agreement, mail_about_agreement
from evc.participation.services.case_managers import tell_case_managers
from evc.participation.totals import month_end, month_start, monthly

# --- the report -------------------------------------------------------------------------------


def issue_report(
    agreement: ParticipationAgreement,
    first_month: date,
    last_month: date,
    *,
    actor: User,
    today: date | None = None,
) -> ParticipationReport:
    """Issue the municipality's report for whole months of the agreement (never changes)."""
    today = today or date.today()
    start, end = month_start(first_month), month_end(last_month)
    _check_months(agreement, start, end, today)
    periods = _periods(agreement, start, min(end, month_end(today)))
    record = _stored_report(agreement, periods, today, actor)
    log_action("participation.report_issued", actor=actor, **in_agreement(agreement, record))
    _tell_about_new_report(record)
    return record


def _tell_about_new_report(record: ParticipationReport) -> None:
    tell_case_managers(
        record,
        "email/participation_report_case_manager.txt",
        lambda: _("Er is een nieuw participatierapport"),
        list_link=absolute_url("participation.case_manager_reports"),
    )


def _no_agreement_then() -> DomainError:
    return DomainError(
        _("In deze periode was er geen participatieafspraak. Kies maanden binnen de afspraak."),
        field="first_month",
    )


def _check_months(agreement: ParticipationAgreement, start: date, end: date, today: date) -> None:
    if end < start:
        raise DomainError(
            _("De laatste maand mag niet vóór de eerste maand liggen."), field="last_month"
        )
    if start > today:
        raise DomainError(
            _("Een rapport over maanden in de toekomst kan nog niet."), field="first_month"
        )
    if end < agreement.starts_on or start > agreement.ends_on:
        raise _no_agreement_then()


def _periods(agreement: ParticipationAgreement, start: date, end: date) -> list:
    """The months from ``start`` to ``end`` with their totals."""
    entries = db.session.scalars(
        select(HoursEntry).where(
            HoursEntry.agreement_id == agreement.id,
            HoursEntry.worked_on >= start,
            HoursEntry.worked_on <= end,
        )
    ).all()
    periods = [p for p in monthly(agreement, entries, end) if p.start >= start]
    if not periods:  # the agreement starts after this month: nothing to report yet
        raise _no_agreement_then()
    return periods


def _stored_report(agreement, periods, today: date, actor: User) -> ParticipationReport:
    """The report's data and PDF, stored with a new number and the PDF's hash."""
    number = report.new_number()
    data = report.report_data(agreement, number, today, periods)
    pdf = report.render_pdf(data, absolute_url("participation.check"))
    record = ParticipationReport(
        agreement_id=agreement.id,
        municipality_id=agreement.municipality_id,
        number=number,
        period_start=periods[0].start,
        period_end=periods[-1].end,
        issued_by_id=actor.id,
        data=data,
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    db.session.add(record)
    db.session.flush()
    return record


def revoke_report(record: ParticipationReport, reason: str, *, actor: User) -> None:
    """Revoke a wrong report with a reason. The report itself stays as it was; the check page
    and every list show it as revoked. The client and the klantmanagers who could read it are
    told (the klantmanagers without client data)."""
    reason = _revocation_reason(record, reason)
    record.revoked_at = utcnow()
    record.revoked_by_id = actor.id
    record.revocation_reason = reason[:2000]
    db.session.flush()
    log_action(
        "participation.report_revoked", actor=actor, **in_agreement(record.agreement, record)
    )
    _mail_about_revocation(record)


def _revocation_reason(record: ParticipationReport, reason: str) -> str:
    """The reason on one line; refused for a report revoked already or without a reason."""
    if record.is_revoked:
        raise DomainError(_("Dit rapport is al ingetrokken."))
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError(_("Schrijf op waarom je het rapport intrekt."), field="reason")
    return reason


def _mail_about_revocation(record: ParticipationReport) -> None:
    """The client with the reason; the klantmanagers who could read it, without client data."""
    agreement = record.agreement
    mail_about_agreement(
        agreement.client,
        agreement,
        "participation_report_revoked.txt",
        lambda: _("Een rapport over je participatie is ingetrokken"),
        report=record,
        reason=record.revocation_reason,
    )
    tell_case_managers(
        record,
        "email/participation_report_revoked_case_manager.txt",
        lambda: _("Een participatierapport is ingetrokken"),
    )


class CheckThrottled(DomainError):
    pass


CHECK_SCOPE = "report-check"


def _count_check(address: str) -> None:
    """Count one check from ``address``; raise ``CheckThrottled`` over the limit."""
    config = current_app.config
    within = timedelta(minutes=config["REPORT_CHECK_WINDOW_MINUTES"])
    throttle.prune(within, CHECK_SCOPE)
    if throttle.too_many(
        CHECK_SCOPE, address, most=config["REPORT_CHECK_MAX_PER_ADDRESS"], within=within
    ):
        raise CheckThrottled(
            _("Je hebt te vaak gecontroleerd. Wacht een kwartier en probeer het dan opnieuw.")
        )
    throttle.record(CHECK_SCOPE, address)


def check_report(number: str, upload: bytes | None, address: str) -> dict:
    """Look up an issued report by number (and compare an uploaded file's hash), counting the
    attempt per client address so that numbers cannot be guessed in bulk."""
    _count_check(address)
    number = (number or "").strip().upper()
    record = db.session.scalar(
        select(ParticipationReport).where(ParticipationReport.number == number)
    )
    if record is None:
        return {"report": None, "file_matches": None}
    file_matches = None
    if upload:
        file_matches = hashlib.sha256(upload).hexdigest() == record.sha256
    return {"report": record, "file_matches": file_matches}
