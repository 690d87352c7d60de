"""Hours: the client writes them, the host contact approves or declines them; verified hours go
into the client's EVC-A portfolio. ``today`` can be given, so tests can freeze the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from evc.accounts.models import User
from evc.audit import log_action
from evc.db import utcnow
from evc.errors import DomainError, stale_edit
from evc.extensions import db
from evc.participation.models import (
    EntryStatus,
    HoursEntry,
    ParticipationAgreement,
)
from evc.participation.services.agreements import in_agreement, mail_about_agreement
from evc.participation.totals import hours_text, monthly
from evc.portfolio.services import add_evidence, open_portfolios

MAX_MINUTES_PER_DAY = 12 * 60


def _today(today: date | None) -> date:
    return today or date.today()


# --- hours ------------------------------------------------------------------------------------


def _check_entry(agreement, data: dict, today: date, *, ignore_id: int | None = None) -> None:
    """The rules every day of hours keeps; ``ignore_id`` is the entry being changed."""
    _check_day(agreement, data.get("worked_on"), today)
    _check_minutes(data.get("minutes"))
    if not (data.get("activity") or "").strip():
        raise DomainError(_("Vul in wat je hebt gedaan."), field="activity")
    _check_day_total(agreement, data["worked_on"], data["minutes"], ignore_id)


def _check_day(agreement, day: date | None, today: date) -> None:
    """A day that has been, inside the agreement's period."""
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


def _check_minutes(minutes: int | None) -> None:
    """Whole quarters of an hour, at most 12 hours."""
    if minutes is None or minutes <= 0:
        raise DomainError(_("Vul in hoe lang je hebt gewerkt."), field="minutes")
    if minutes % 15:
        raise DomainError(
            _("Schrijf je tijd in hele kwartieren, bijvoorbeeld 2,25 uur."), field="minutes"
        )
    if minutes > MAX_MINUTES_PER_DAY:
        raise DomainError(_("Je kunt hoogstens 12 uur op één dag schrijven."), field="minutes")


def _check_day_total(agreement, day: date, minutes: int, ignore_id: int | None) -> None:
    """With the other hours of that day that are not declined, at most 12 hours."""
    query = select(func.coalesce(func.sum(HoursEntry.minutes), 0)).where(
        HoursEntry.agreement_id == agreement.id,
        HoursEntry.worked_on == day,
        HoursEntry.status != EntryStatus.DECLINED,
    )
    if ignore_id is not None:
        query = query.where(HoursEntry.id != ignore_id)
    if (db.session.scalar(query) or 0) + minutes > MAX_MINUTES_PER_DAY:
        raise DomainError(
            _("Met deze uren kom je boven de 12 uur op deze dag. Kijk je eerdere uren na."),
            field="minutes",
        )


def _entry_fields(data: dict) -> dict:
    """What the client writes about one day, as stored: day, minutes, activity and note."""
    return {
        "worked_on": data["worked_on"],
        "minutes": data["minutes"],
        "activity": data["activity"].strip(),
        "note": (data.get("note") or "").strip(),
    }


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
    entry = HoursEntry(agreement_id=agreement.id, **_entry_fields(data), status=EntryStatus.PENDING)
    db.session.add(entry)
    db.session.flush()
    log_action(
        "participation.hours_logged",
        actor=actor,
        **in_agreement(agreement, entry),
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
    _check_changeable(entry, version_id)
    _lock(entry.agreement)
    _check_entry(entry.agreement, data, _today(today), ignore_id=entry.id)
    resubmitted = entry.status == EntryStatus.DECLINED
    _rewrite(entry, data)
    log_action(
        "participation.hours_resubmitted" if resubmitted else "participation.hours_changed",
        actor=actor,
        **in_agreement(entry.agreement, entry),
        minutes=entry.minutes,
    )
    return entry


def _check_changeable(entry: HoursEntry, version_id: int | None) -> None:
    """Hours can change until they are approved, and only by whoever read the last version."""
    if entry.status == EntryStatus.APPROVED:
        raise DomainError(_("Deze uren zijn al goedgekeurd. Je kunt ze niet meer veranderen."))
    if version_id != entry.version_id:
        raise stale_edit()


def _rewrite(entry: HoursEntry, data: dict) -> None:
    """The changed entry waits for the host contact again, as if it were new."""
    for name, value in _entry_fields(data).items():
        setattr(entry, name, value)
    entry.status = EntryStatus.PENDING
    entry.decided_at = entry.decided_by_id = None
    entry.updated_at = utcnow()
    db.session.flush()


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
        **in_agreement(entry.agreement, entry),
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
    mail_about_agreement(
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


# --- with EVC-A: verified hours as evidence ---------------------------------------------------


def portfolio_trajectories(user: User) -> list:
    """The user's own trajectories whose portfolio is open (intake or recognition)."""
    return open_portfolios(user)


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
    if trajectory.volunteer_id != agreement.client_id:
        raise DomainError(_("Je kunt uren alleen aan je eigen portfolio toevoegen."))
    data, total = _verified_hours_evidence(agreement)
    item = add_evidence(
        trajectory, data, competency_ids, upload=None, original_name=None, actor=actor
    )
    log_action(
        "participation.hours_to_portfolio",
        actor=actor,
        **in_agreement(agreement),
        evidence_id=item.id,
        minutes=total,
    )
    return item


def _verified_hours_evidence(agreement: ParticipationAgreement) -> tuple[dict, int]:
    """The evidence item's fields for the verified hours (a line per month), and their total."""
    entries = _approved_entries(agreement)
    periods = [p for p in monthly(agreement, entries, entries[-1].worked_on) if p.verified]
    total = sum(p.verified for p in periods)
    host = agreement.host_organisation.name
    title = _(
        "%(hours)s uur %(activity)s, bevestigd door de inzetorganisatie",
        hours=hours_text(total),
        activity=agreement.activity,
    )
    data = {
        "kind": "other",
        "title": title[:200],
        "description": "\n".join(_month_line(p, host) for p in periods),
        "activity_from": entries[0].worked_on,
        "activity_to": entries[-1].worked_on,
        "work_context": f"{host}: {agreement.activity}"[:200],
    }
    return data, total


def _approved_entries(agreement: ParticipationAgreement) -> Sequence[HoursEntry]:
    """The agreement's approved hours by day; none yet is a ``DomainError``."""
    entries = db.session.scalars(
        select(HoursEntry)
        .where(HoursEntry.agreement_id == agreement.id, HoursEntry.status == EntryStatus.APPROVED)
        .order_by(HoursEntry.worked_on)
    ).all()
    if not entries:
        raise DomainError(_("Er zijn nog geen goedgekeurde uren om toe te voegen."))
    return entries


def _month_line(period, host: str) -> str:
    return _(
        "%(month)s: %(hours)s uur, bevestigd door %(host)s",
        month=period.key,
        hours=hours_text(period.verified),
        host=host,
    )
