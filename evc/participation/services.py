"""Writes of the participation log. Each function checks the rules, changes state, writes its
audit row and flushes; the view commits. ``today`` can be given, so tests can freeze the clock.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import defer, joinedload, selectinload

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.mail import absolute_url, queue_mail
from evc.participation import report
from evc.participation.models import (
    REGIME_RULES,
    EntryStatus,
    Exemption,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
    Regime,
    ReportCheckAttempt,
)
from evc.participation.totals import hours_text, month_end, month_start, monthly

MAX_MINUTES_PER_DAY = 12 * 60
MAX_MINUTES_PER_WEEK = 40 * 60
AGREEMENT_FIELDS = (
    "municipality_id",
    "client_reference",
    "regime",
    "activity",
    "weekly_minutes_min",
    "weekly_minutes_max",
    "starts_on",
    "ends_on",
)


def _today(today: date | None) -> date:
    return today or date.today()


# --- the client reference: never a BSN ---------------------------------------------------------


def passes_eleven_test(digits: str) -> bool:
    """The BSN eleven-test: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 is a multiple of 11 (and not 0)."""
    if len(digits) != 9 or not digits.isdigit():
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True))
    return total % 11 == 0 and int(digits) != 0


def looks_like_bsn(value: str) -> bool:
    """Nine digits that pass the eleven-test, also when written with spaces, dots or dashes,
    or inside a longer reference."""
    compact = re.sub(r"(?<=\d)[\s.\-](?=\d)", "", value or "")
    runs = re.findall(r"\d+", compact)
    if any(passes_eleven_test(run) for run in runs):
        return True
    digits = "".join(runs)
    return passes_eleven_test(digits)


# --- agreements -------------------------------------------------------------------------------


def _check_people(
    organisation: Organisation, client: User | None, host: Organisation | None, contact: User | None
) -> None:
    if client is None or Role.CLIENT not in client.roles_in(organisation.id):
        raise DomainError(_("Kies een deelnemer van deze organisatie."), field="client_id")
    if host is None or host.kind != OrganisationKind.HOST or not host.is_active:
        raise DomainError(_("Kies een inzetorganisatie."), field="host_organisation_id")
    if contact is None or Role.SUPERVISOR not in contact.roles_in(host.id):
        raise DomainError(
            _("Kies een contactpersoon die begeleider is bij deze inzetorganisatie."),
            field="host_contact_id",
        )


# --- municipalities ---------------------------------------------------------------------------


def _municipality_key(name: str) -> str:
    """ "Gemeente Utrecht", "utrecht" and " Utrecht " are the same municipality."""
    key = " ".join((name or "").split()).casefold()
    return key.removeprefix("gemeente ").strip()


def municipality_name(name: str) -> str:
    """The name a municipality is stored under: "Gemeente " and the name as typed, with a
    capital first letter ("amersfoort" → "Gemeente Amersfoort"; "'s-Hertogenbosch" stays)."""
    clean = " ".join((name or "").split())
    if clean.casefold().startswith("gemeente "):
        clean = clean[len("gemeente ") :].strip()
    if clean[:1].islower():
        clean = clean[0].upper() + clean[1:]
    return f"Gemeente {clean}"


def municipalities() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.MUNICIPALITY)
            .order_by(Organisation.name)
        )
    )


def find_or_add_municipality(name: str, *, actor: User, organisation_id: int) -> Organisation:
    """The municipality called ``name``; a new one is added (its klantmanagers can be invited
    later by the site administrator)."""
    key = _municipality_key(name)
    if not key:
        raise DomainError(_("Vul de gemeente in."), field="municipality")
    for row in municipalities():
        if _municipality_key(row.name) == key:
            return row
    stored = municipality_name(name)
    if len(stored) > 200:
        raise DomainError(_("Deze naam is te lang."), field="municipality")
    if db.session.scalar(
        select(Organisation.id).where(func.lower(Organisation.name) == stored.lower())
    ):
        raise DomainError(
            _("Er is al een organisatie met de naam %(name)s die geen gemeente is.", name=stored),
            field="municipality",
        )
    row = Organisation(name=stored, kind=OrganisationKind.MUNICIPALITY)
    db.session.add(row)
    db.session.flush()
    log_action(
        "participation.municipality_added",
        actor=actor,
        organisation_id=organisation_id,
        obj=row,
        name=stored,
    )
    return row


def _check_terms(data: dict) -> None:
    if not _municipality_key(data.get("municipality")):
        raise DomainError(_("Vul de gemeente in."), field="municipality")
    reference = (data.get("client_reference") or "").strip()
    if not reference:
        raise DomainError(_("Vul het klantnummer van de gemeente in."), field="client_reference")
    if looks_like_bsn(reference):
        raise DomainError(
            _(
                "Dit lijkt een burgerservicenummer (BSN). Een BSN mag hier niet worden "
                "opgeslagen. Vul het eigen klantnummer van de gemeente in."
            ),
            field="client_reference",
        )
    if not (data.get("activity") or "").strip():
        raise DomainError(_("Vul in welk werk de deelnemer doet."), field="activity")
    low, high = data.get("weekly_minutes_min"), data.get("weekly_minutes_max")
    if low is None or high is None or low < 0 or high <= 0:
        raise DomainError(_("Vul het aantal uren per week in."), field="weekly_minutes_min")
    if low % 15 or high % 15:
        raise DomainError(_("Gebruik hele kwartieren."), field="weekly_minutes_min")
    if low > high:
        raise DomainError(
            _("Het minimum mag niet hoger zijn dan het maximum."), field="weekly_minutes_max"
        )
    if high > MAX_MINUTES_PER_WEEK:
        raise DomainError(_("Meer dan 40 uur per week kan niet."), field="weekly_minutes_max")
    _check_dates(data)


def _check_dates(data: dict) -> None:
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if starts is None:
        raise DomainError(_("Vul de begindatum in."), field="starts_on")
    if ends is None:
        raise DomainError(_("Vul de einddatum in."), field="ends_on")
    if ends < starts:
        raise DomainError(_("De einddatum mag niet vóór de begindatum liggen."), field="ends_on")
    rule = REGIME_RULES[Regime(data["regime"])]
    if rule.valid_until and ends > rule.valid_until:
        raise DomainError(
            _(
                "De tegenprestatie geldt tot en met 31 december 2026. Kies een einddatum tot "
                "die dag, of kies maatschappelijke participatie."
            ),
            field="ends_on",
        )
    if rule.valid_from and starts < rule.valid_from:
        raise DomainError(
            _(
                "Maatschappelijke participatie begint op 1 januari 2027. "
                "Kies een latere begindatum."
            ),
            field="starts_on",
        )


def _apply_terms(agreement: ParticipationAgreement, data: dict, actor: User) -> None:
    municipality = find_or_add_municipality(
        data["municipality"], actor=actor, organisation_id=agreement.organisation_id
    )
    agreement.municipality_id = municipality.id
    agreement.municipality = municipality
    agreement.client_reference = data["client_reference"].strip()
    agreement.regime = Regime(data["regime"])
    agreement.legal_reference = REGIME_RULES[agreement.regime].legal_reference
    agreement.activity = data["activity"].strip()
    agreement.weekly_minutes_min = data["weekly_minutes_min"]
    agreement.weekly_minutes_max = data["weekly_minutes_max"]
    agreement.starts_on = data["starts_on"]
    agreement.ends_on = data["ends_on"]


def create_agreement(
    organisation: Organisation, data: dict, *, actor: User
) -> ParticipationAgreement:
    """Record a participation agreement; mails the client and the host contact."""
    client = db.session.get(User, data.get("client_id") or 0)
    host = db.session.get(Organisation, data.get("host_organisation_id") or 0)
    contact = db.session.get(User, data.get("host_contact_id") or 0)
    _check_people(organisation, client, host, contact)
    _check_terms(data)
    agreement = ParticipationAgreement(
        organisation_id=organisation.id,
        client_id=client.id,
        host_organisation_id=host.id,
        host_contact_id=contact.id,
        created_by_id=actor.id,
    )
    _apply_terms(agreement, data, actor)
    db.session.add(agreement)
    db.session.flush()
    log_action(
        "participation.agreement_created",
        actor=actor,
        organisation_id=organisation.id,
        obj=agreement,
    )
    _mail(client, agreement, "participation_agreement_client.txt", _l_agreement_subject)
    _mail(contact, agreement, "participation_agreement_host.txt", _l_agreement_subject)
    return agreement


def update_agreement(
    agreement: ParticipationAgreement, data: dict, *, version_id: int | None, actor: User
) -> ParticipationAgreement:
    """Change the terms of an agreement. Logged hours must stay inside the period."""
    if version_id != agreement.version_id:
        raise stale_edit()
    _check_terms(data)
    outside = db.session.scalar(
        select(func.count(HoursEntry.id)).where(
            HoursEntry.agreement_id == agreement.id,
            (HoursEntry.worked_on < data["starts_on"]) | (HoursEntry.worked_on > data["ends_on"]),
        )
    )
    if outside:
        raise DomainError(
            _(
                "Er zijn al uren geschreven buiten deze periode. "
                "Kies een periode waar die in vallen."
            ),
            field="starts_on",
        )
    before = {name: str(getattr(agreement, name)) for name in AGREEMENT_FIELDS}
    _apply_terms(agreement, data, actor)
    changed = sorted(n for n in AGREEMENT_FIELDS if str(getattr(agreement, n)) != before[n])
    db.session.flush()
    log_action(
        "participation.agreement_changed",
        actor=actor,
        organisation_id=agreement.organisation_id,
        obj=agreement,
        fields=changed,
    )
    return agreement


def add_exemption(
    agreement: ParticipationAgreement, starts_on: date, ends_on: date, reason: str, *, actor: User
) -> Exemption:
    """Record an ontheffing. Dates inside the agreement, not overlapping another one."""
    if ends_on < starts_on:
        raise DomainError(_("De einddatum mag niet vóór de begindatum liggen."), field="ends_on")
    if not (agreement.covers(starts_on) and agreement.covers(ends_on)):
        raise DomainError(
            _("De ontheffing moet binnen de periode van de afspraak vallen."), field="starts_on"
        )
    for other in agreement.exemptions:
        if other.starts_on <= ends_on and starts_on <= other.ends_on:
            raise DomainError(_("Er is al een ontheffing in deze periode."), field="starts_on")
    exemption = Exemption(
        agreement_id=agreement.id, starts_on=starts_on, ends_on=ends_on, reason=reason.strip()
    )
    db.session.add(exemption)
    agreement.exemptions.append(exemption)
    db.session.flush()
    # The reason is not copied into the audit log: it may be about health or care duties.
    log_action(
        "participation.exemption_added",
        actor=actor,
        organisation_id=agreement.organisation_id,
        obj=exemption,
        agreement_id=agreement.id,
    )
    return exemption


# --- hours ------------------------------------------------------------------------------------


def _check_entry(agreement, data: dict, today: date, *, ignore_id: int | None = None) -> None:
    day, minutes = data.get("worked_on"), data.get("minutes")
    if day is None:
        raise DomainError(_("Vul de datum in."), field="worked_on")
    if day > today:
        raise DomainError(
            _("Je kunt geen uren schrijven voor een dag in de toekomst."), field="worked_on"
        )
    if not agreement.covers(day):
        raise DomainError(
            _(
                "Deze dag valt buiten je afspraak (%(start)s tot en met %(end)s).",
                start=agreement.starts_on.strftime("%d-%m-%Y"),
                end=agreement.ends_on.strftime("%d-%m-%Y"),
            ),
            field="worked_on",
        )
    if minutes is None or minutes <= 0:
        raise DomainError(_("Vul in hoe lang je hebt gewerkt."), field="minutes")
    if minutes % 15:
        raise DomainError(
            _("Schrijf je tijd in hele kwartieren, bijvoorbeeld 2,25 uur."), field="minutes"
        )
    if minutes > MAX_MINUTES_PER_DAY:
        raise DomainError(_("Je kunt hoogstens 12 uur op één dag schrijven."), field="minutes")
    if not (data.get("activity") or "").strip():
        raise DomainError(_("Vul in wat je hebt gedaan."), field="activity")
    query = select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(
        HoursEntry.agreement_id == agreement.id,
        HoursEntry.worked_on == day,
        HoursEntry.status != EntryStatus.DECLINED,
    )
    if ignore_id is not None:
        query = query.where(HoursEntry.id != ignore_id)
    if db.session.scalar(query) + minutes > MAX_MINUTES_PER_DAY:
        raise DomainError(
            _("Met deze uren kom je boven de 12 uur op deze dag. Kijk je eerdere uren na."),
            field="minutes",
        )


def _lock(agreement: ParticipationAgreement) -> None:
    """Serialise writes to one agreement's hours (the 12-hour check reads, then writes)."""
    db.session.execute(
        select(ParticipationAgreement.id)
        .where(ParticipationAgreement.id == agreement.id)
        .with_for_update()
    )


def log_hours(
    agreement: ParticipationAgreement, data: dict, *, actor: User, today: date | None = None
) -> HoursEntry:
    """The client writes down hours worked on one day; they wait for the host contact."""
    _lock(agreement)
    _check_entry(agreement, data, _today(today))
    entry = HoursEntry(
        agreement_id=agreement.id,
        worked_on=data["worked_on"],
        minutes=data["minutes"],
        activity=data["activity"].strip(),
        note=(data.get("note") or "").strip(),
        status=EntryStatus.PENDING,
    )
    db.session.add(entry)
    db.session.flush()
    log_action(
        "participation.hours_logged",
        actor=actor,
        organisation_id=agreement.organisation_id,
        obj=entry,
        agreement_id=agreement.id,
        minutes=entry.minutes,
    )
    return entry


def update_entry(
    entry: HoursEntry,
    data: dict,
    *,
    version_id: int | None,
    actor: User,
    today: date | None = None,
) -> HoursEntry:
    """Change an entry until it is verified. A declined entry goes back to the host contact."""
    if entry.status == EntryStatus.APPROVED:
        raise DomainError(_("Deze uren zijn al goedgekeurd. Je kunt ze niet meer veranderen."))
    if version_id != entry.version_id:
        raise stale_edit()
    _lock(entry.agreement)
    _check_entry(entry.agreement, data, _today(today), ignore_id=entry.id)
    resubmitted = entry.status == EntryStatus.DECLINED
    entry.worked_on = data["worked_on"]
    entry.minutes = data["minutes"]
    entry.activity = data["activity"].strip()
    entry.note = (data.get("note") or "").strip()
    entry.status = EntryStatus.PENDING
    entry.decided_at = entry.decided_by_id = None
    entry.updated_at = utcnow()
    db.session.flush()
    log_action(
        "participation.hours_resubmitted" if resubmitted else "participation.hours_changed",
        actor=actor,
        organisation_id=entry.agreement.organisation_id,
        obj=entry,
        agreement_id=entry.agreement_id,
        minutes=entry.minutes,
    )
    return entry


def _decide(entry: HoursEntry, status: EntryStatus, actor: User, reason: str = "") -> None:
    if entry.status != EntryStatus.PENDING:
        raise DomainError(_("Over deze uren is al besloten."))
    entry.status = status
    entry.decided_at = utcnow()
    entry.decided_by_id = actor.id
    entry.decline_reason = reason
    db.session.flush()
    log_action(
        f"participation.hours_{status.value}",
        actor=actor,
        organisation_id=entry.agreement.organisation_id,
        obj=entry,
        agreement_id=entry.agreement_id,
        minutes=entry.minutes,
    )


def approve_entry(entry: HoursEntry, *, actor: User) -> None:
    """The host contact confirms the hours. Approved hours are final."""
    _decide(entry, EntryStatus.APPROVED, actor)


def decline_entry(entry: HoursEntry, reason: str, *, actor: User) -> None:
    """The host contact declines the hours with a reason; the client is mailed and can correct."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Schrijf op waarom je deze uren afwijst."), field="reason")
    _decide(entry, EntryStatus.DECLINED, actor, reason)
    _mail(
        entry.agreement.client,
        entry.agreement,
        "participation_declined.txt",
        lambda: _("Je uren zijn afgewezen"),
        entry=entry,
    )


def approve_week(agreement: ParticipationAgreement, monday: date, *, actor: User) -> int:
    """Approve every pending entry of the week that starts on ``monday``; returns how many."""
    entries = db.session.scalars(
        select(HoursEntry).where(
            HoursEntry.agreement_id == agreement.id,
            HoursEntry.status == EntryStatus.PENDING,
            HoursEntry.worked_on >= monday,
            HoursEntry.worked_on <= monday + timedelta(days=6),
        )
    ).all()
    if not entries:
        raise DomainError(_("In deze week zijn geen uren die op je wachten."))
    for entry in entries:
        _decide(entry, EntryStatus.APPROVED, actor)
    return len(entries)


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
    today = _today(today)
    start, end = month_start(first_month), month_end(last_month)
    if end < start:
        raise DomainError(
            _("De laatste maand mag niet vóór de eerste maand liggen."), field="last_month"
        )
    if start > today:
        raise DomainError(
            _("Een rapport over maanden in de toekomst kan nog niet."), field="first_month"
        )
    if end < agreement.starts_on or start > agreement.ends_on:
        raise DomainError(
            _("In deze periode was er geen participatieafspraak. Kies maanden binnen de afspraak."),
            field="first_month",
        )
    end = min(end, month_end(today))
    entries = db.session.scalars(
        select(HoursEntry).where(
            HoursEntry.agreement_id == agreement.id,
            HoursEntry.worked_on >= start,
            HoursEntry.worked_on <= end,
        )
    ).all()
    periods = [p for p in monthly(agreement, entries, end) if p.start >= start]
    if not periods:  # the agreement starts after this month: nothing to report yet
        raise DomainError(
            _("In deze periode was er geen participatieafspraak. Kies maanden binnen de afspraak."),
            field="first_month",
        )
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
    log_action(
        "participation.report_issued",
        actor=actor,
        organisation_id=agreement.organisation_id,
        obj=record,
        agreement_id=agreement.id,
    )
    _tell_case_managers(
        record,
        "email/participation_report_case_manager.txt",
        lambda: _("Er is een nieuw participatierapport"),
        list_link=absolute_url("participation.case_manager_reports"),
    )
    return record


def revoke_report(record: ParticipationReport, reason: str, *, actor: User) -> None:
    """Revoke a wrong report with a reason. The report itself stays as it was; the check page
    and every list show it as revoked. The client and the klantmanagers who could read it are
    told (the klantmanagers without client data)."""
    if record.is_revoked:
        raise DomainError(_("Dit rapport is al ingetrokken."))
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError(_("Schrijf op waarom je het rapport intrekt."), field="reason")
    record.revoked_at = utcnow()
    record.revoked_by_id = actor.id
    record.revocation_reason = reason[:2000]
    db.session.flush()
    agreement = record.agreement
    log_action(
        "participation.report_revoked",
        actor=actor,
        organisation_id=agreement.organisation_id,
        obj=record,
        agreement_id=agreement.id,
    )
    _mail(
        agreement.client,
        agreement,
        "participation_report_revoked.txt",
        lambda: _("Een rapport over je participatie is ingetrokken"),
        report=record,
        reason=record.revocation_reason,
    )
    _tell_case_managers(
        record,
        "email/participation_report_revoked_case_manager.txt",
        lambda: _("Een participatierapport is ingetrokken"),
    )


# --- klantmanagers of the municipality ---------------------------------------------------------

CASE_MANAGER_PAGE_SIZE = 50


def shared_with_case_managers(agreement: ParticipationAgreement) -> bool:
    """Whether the organisation that made the agreement lets klantmanagers read its reports."""
    from evc.assessment.services import settings_of

    return settings_of(agreement.organisation_id).share_reports_with_case_managers


def case_managers_of(municipality_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == municipality_id,
                Membership.role == Role.CASE_MANAGER,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )


def _tell_case_managers(record: ParticipationReport, template: str, subject, **context) -> None:
    """A short notice with a link to the klantmanagers who may read ``record``; no client
    reference or name travels by mail."""
    agreement = record.agreement
    if not shared_with_case_managers(agreement):
        return
    for user in case_managers_of(record.municipality_id):
        with force_locale(user.language):
            body = render_template(
                template,
                user=user,
                organisation=agreement.organisation,
                report=record,
                link=absolute_url("participation.report", report_id=record.id),
                **context,
            )
            queue_mail(user, str(subject()), body)


def _visible_reports(user: User):
    """The ids of the reports ``user`` may read as klantmanager (a subquery)."""
    from evc.procedure.models import OrganisationSettings

    return (
        select(ParticipationReport.id)
        .join(ParticipationAgreement, ParticipationAgreement.id == ParticipationReport.agreement_id)
        .join(
            OrganisationSettings,
            OrganisationSettings.organisation_id == ParticipationAgreement.organisation_id,
        )
        .where(
            ParticipationReport.municipality_id.in_(user.organisation_ids(Role.CASE_MANAGER)),
            OrganisationSettings.share_reports_with_case_managers.is_(True),
        )
    )


def case_manager_summary(user: User, *, days: int = 30) -> dict:
    """For the dashboard: how many reports the klantmanager may read, and how many are new."""
    visible = _visible_reports(user).subquery()
    since = utcnow() - timedelta(days=days)
    total, recent = db.session.execute(
        select(
            func.count(ParticipationReport.id),
            func.count(ParticipationReport.id).filter(ParticipationReport.created_at >= since),
        ).where(ParticipationReport.id.in_(select(visible.c.id)))
    ).one()
    return {"total": total, "recent": recent, "days": days}


def case_manager_reports(
    user: User, *, reference: str = "", organisation_id: int | None = None, page: int = 1
) -> tuple[list, int, list[Organisation]]:
    """The reports a klantmanager may read: of agreements with their municipality, made by an
    organisation that shares them. Returns (rows, total, organisations to filter on); each row
    is (report, client reference, regime, organisation, host and municipality names)."""
    from sqlalchemy.orm import aliased

    maker, host, municipality = aliased(Organisation), aliased(Organisation), aliased(Organisation)
    visible = _visible_reports(user)
    organisations = list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.id.in_(
                    select(ParticipationAgreement.organisation_id)
                    .join(
                        ParticipationReport,
                        ParticipationReport.agreement_id == ParticipationAgreement.id,
                    )
                    .where(ParticipationReport.id.in_(visible))
                )
            )
            .order_by(Organisation.name)
        )
    )
    wanted = visible
    reference = " ".join((reference or "").split())
    if reference:
        wanted = wanted.where(
            func.lower(ParticipationAgreement.client_reference).contains(
                reference.lower(), autoescape=True
            )
        )
    if organisation_id:
        wanted = wanted.where(ParticipationAgreement.organisation_id == organisation_id)
    total = db.session.scalar(select(func.count()).select_from(wanted.subquery()))
    rows = db.session.execute(
        select(
            ParticipationReport,
            ParticipationAgreement.client_reference,
            ParticipationAgreement.regime,
            maker.name,
            host.name,
            municipality.name,
        )
        .join(ParticipationAgreement, ParticipationAgreement.id == ParticipationReport.agreement_id)
        .join(maker, maker.id == ParticipationAgreement.organisation_id)
        .join(host, host.id == ParticipationAgreement.host_organisation_id)
        .join(municipality, municipality.id == ParticipationReport.municipality_id)
        .where(ParticipationReport.id.in_(wanted))
        .options(defer(ParticipationReport.pdf), defer(ParticipationReport.data))
        .order_by(ParticipationReport.created_at.desc(), ParticipationReport.id.desc())
        .limit(CASE_MANAGER_PAGE_SIZE)
        .offset((max(page, 1) - 1) * CASE_MANAGER_PAGE_SIZE)
    ).all()
    return rows, total, organisations


def record_case_manager_read(record: ParticipationReport, user: User, what: str) -> bool:
    """Reads by a klantmanager are logged for the organisation that made the agreement."""
    agreement = record.agreement
    if Role.CASE_MANAGER not in user.roles_in(record.municipality_id):
        return False
    if user.id == agreement.client_id or Role.COORDINATOR in user.roles_in(
        agreement.organisation_id
    ):
        return False
    log_action(
        "participation.report_read",
        actor=user,
        organisation_id=record.agreement.organisation_id,
        obj=record,
        what=what,
    )
    return True


class CheckThrottled(DomainError):
    pass


def check_report(number: str, upload: bytes | None, address: str) -> dict:
    """Look up an issued report by number (and compare an uploaded file's hash), counting the
    attempt per client address so that numbers cannot be guessed in bulk."""
    config = current_app.config
    window = utcnow() - timedelta(minutes=config["REPORT_CHECK_WINDOW_MINUTES"])
    db.session.execute(delete(ReportCheckAttempt).where(ReportCheckAttempt.checked_at < window))
    recent = db.session.scalar(
        select(func.count(ReportCheckAttempt.id)).where(ReportCheckAttempt.address == address)
    )
    if recent >= config["REPORT_CHECK_MAX_PER_ADDRESS"]:
        raise CheckThrottled(
            _("Je hebt te vaak gecontroleerd. Wacht een kwartier en probeer het dan opnieuw.")
        )
    db.session.add(ReportCheckAttempt(address=address[:64], checked_at=utcnow()))
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


# --- mail -------------------------------------------------------------------------------------


def _l_agreement_subject():
    return _("Er is een participatieafspraak vastgelegd")


def _mail(user: User, agreement, template: str, subject, **context) -> None:
    with force_locale(user.language):
        body = render_template(
            f"email/{template}",
            user=user,
            agreement=agreement,
            link=absolute_url("participation.agreement", agreement_id=agreement.id),
            **context,
        )
        queue_mail(user, str(subject()), body)


# --- with EVC-A: verified hours as evidence ---------------------------------------------------


def portfolio_trajectories(user: User) -> list:
    """The user's own trajectories whose portfolio is open (intake or recognition)."""
    from evc.portfolio.services import EDITABLE_PHASES
    from evc.procedure.models import Trajectory

    return list(
        db.session.scalars(
            select(Trajectory)
            .where(Trajectory.volunteer_id == user.id, Trajectory.phase.in_(EDITABLE_PHASES))
            .options(joinedload(Trajectory.organisation))
            .order_by(Trajectory.id)
        )
    )


def chosen_competencies(trajectories: list) -> dict[int, list[str]]:
    from evc.procedure.models import CompetencyChoice

    result: dict[int, list[str]] = {t.id: [] for t in trajectories}
    if trajectories:
        rows = db.session.execute(
            select(CompetencyChoice.trajectory_id, CompetencyChoice.competency_id)
            .where(CompetencyChoice.trajectory_id.in_(list(result)))
            .order_by(CompetencyChoice.id)
        )
        for trajectory_id, competency_id in rows:
            result[trajectory_id].append(competency_id)
    return result


def add_hours_to_portfolio(
    agreement: ParticipationAgreement, trajectory, competency_ids, *, actor: User
):
    """Add the agreement's verified hours to the client's own portfolio as one evidence item.

    Only verified hours count, with the work and the host organisation: nothing about the
    municipality, the reference or the regime goes into the portfolio (assessors read it).
    """
    from evc.portfolio.services import add_evidence

    if trajectory.volunteer_id != agreement.client_id:
        raise DomainError(_("Je kunt uren alleen aan je eigen portfolio toevoegen."))
    entries = db.session.scalars(
        select(HoursEntry)
        .where(HoursEntry.agreement_id == agreement.id, HoursEntry.status == EntryStatus.APPROVED)
        .order_by(HoursEntry.worked_on)
    ).all()
    if not entries:
        raise DomainError(_("Er zijn nog geen goedgekeurde uren om toe te voegen."))
    periods = [p for p in monthly(agreement, entries, entries[-1].worked_on) if p.verified]
    total = sum(p.verified for p in periods)
    lines = [
        _(
            "%(month)s: %(hours)s uur, bevestigd door %(host)s",
            month=p.key,
            hours=hours_text(p.verified),
            host=agreement.host_organisation.name,
        )
        for p in periods
    ]
    data = {
        "kind": "other",
        "title": _(
            "%(hours)s uur %(activity)s, bevestigd door de inzetorganisatie",
            hours=hours_text(total),
            activity=agreement.activity,
        )[:200],
        "description": "\n".join(lines),
        "activity_from": entries[0].worked_on,
        "activity_to": entries[-1].worked_on,
        "work_context": f"{agreement.host_organisation.name}: {agreement.activity}"[:200],
    }
    item = add_evidence(
        trajectory, data, competency_ids, upload=None, original_name=None, actor=actor
    )
    log_action(
        "participation.hours_to_portfolio",
        actor=actor,
        organisation_id=agreement.organisation_id,
        obj=agreement,
        evidence_id=item.id,
        minutes=total,
    )
    return item


# --- the dashboard ------------------------------------------------------------------------------


def dashboard_summary(user: User, *, client: bool, host: bool, today: date | None = None) -> dict:
    """For the dashboard: the client's running agreements with this month's totals, and how
    many entries wait for the host contact (a fixed number of queries)."""
    from evc.participation.totals import summarise

    today = _today(today)
    result: dict = {"agreements": [], "host_agreements": 0, "pending": 0}
    if client:
        agreements = db.session.scalars(
            select(ParticipationAgreement)
            .where(
                ParticipationAgreement.client_id == user.id,
                ParticipationAgreement.ends_on >= month_start(today),
            )
            .options(
                joinedload(ParticipationAgreement.host_organisation),
                selectinload(ParticipationAgreement.exemptions),
            )
            .order_by(ParticipationAgreement.starts_on)
        ).all()
        entries = (
            db.session.scalars(
                select(HoursEntry).where(
                    HoursEntry.agreement_id.in_([a.id for a in agreements]),
                    (HoursEntry.worked_on >= month_start(today))
                    | (HoursEntry.status == EntryStatus.DECLINED),
                )
            ).all()
            if agreements
            else []
        )
        for agreement in agreements:
            own = [e for e in entries if e.agreement_id == agreement.id]
            result["agreements"].append(
                {
                    "agreement": agreement,
                    "month": summarise(agreement, own, month_start(today), month_end(today)),
                    "declined": sum(1 for e in own if e.status == EntryStatus.DECLINED),
                }
            )
    if host:
        ids = select(ParticipationAgreement.id).where(
            ParticipationAgreement.host_contact_id == user.id,
            ParticipationAgreement.host_organisation_id.in_(user.organisation_ids(Role.SUPERVISOR)),
        )
        result["host_agreements"] = db.session.scalar(
            select(func.count()).select_from(ids.subquery())
        )
        if result["host_agreements"]:
            result["pending"] = db.session.scalar(
                select(func.count(HoursEntry.id)).where(
                    HoursEntry.agreement_id.in_(ids), HoursEntry.status == EntryStatus.PENDING
                )
            )
    return result
