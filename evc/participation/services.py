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
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.models import Organisation, OrganisationKind, Role, User
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
    "municipality",
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


def _check_terms(data: dict) -> None:
    if not (data.get("municipality") or "").strip():
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


def _apply_terms(agreement: ParticipationAgreement, data: dict) -> None:
    agreement.municipality = data["municipality"].strip()
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
    _apply_terms(agreement, data)
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
    _apply_terms(agreement, data)
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
    return record


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
