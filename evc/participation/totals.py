"""Totals per week and per month from loaded rows (no queries here).

* logged: every entry that is not declined; verified: approved entries only;
* agreed: the weekly range times the days of the period that fall inside the agreement and
  outside every exemption, divided by seven, rounded to a quarter of an hour;
* carried out (*uitgevoerd*), the monthly yes/no that CBS counts: at least one verified quarter
  of an hour in that month;
* an exemption month: at least one day of the month, inside the agreement, is exempt.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from evc.participation.models import EntryStatus


@dataclass(frozen=True)
class Period:
    """Totals for one week or one month; minutes throughout."""

    start: date
    end: date
    logged: int
    verified: int
    agreed_min: int
    agreed_max: int
    exempt_days: int
    last_verified_on: date | None

    @property
    def carried_out(self) -> bool:
        return self.verified > 0

    @property
    def has_exemption(self) -> bool:
        return self.exempt_days > 0

    @property
    def key(self) -> str:
        return self.start.strftime("%Y-%m")


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def months(first: date, last: date) -> list[tuple[date, date]]:
    """(first day, last day) of each calendar month from ``first`` to ``last``."""
    result, cursor = [], month_start(first)
    while cursor <= last:
        result.append((cursor, month_end(cursor)))
        cursor = month_end(cursor) + timedelta(days=1)
    return result


def weeks(first: date, last: date) -> list[tuple[date, date]]:
    """(Monday, Sunday) of each ISO week from ``first`` to ``last``."""
    result, cursor = [], week_start(first)
    while cursor <= last:
        result.append((cursor, cursor + timedelta(days=6)))
        cursor += timedelta(days=7)
    return result


def quarter_round(minutes: float) -> int:
    return int(round(minutes / 15)) * 15


def _days(start: date, end: date) -> int:
    return max(0, (end - start).days + 1)


def _exempt_days(start: date, end: date, exemptions: Iterable) -> int:
    """Days from start to end covered by an exemption (exemptions do not overlap)."""
    return sum(_days(max(start, item.starts_on), min(end, item.ends_on)) for item in exemptions)


def summarise(agreement, entries: Iterable, start: date, end: date) -> Period:
    """Totals of ``agreement`` from ``start`` to ``end`` (both inclusive)."""
    in_period = [e for e in entries if start <= e.worked_on <= end]
    logged = [e for e in in_period if e.status != EntryStatus.DECLINED]
    approved = [e for e in logged if e.status == EntryStatus.APPROVED]
    return Period(
        start=start,
        end=end,
        logged=sum(e.minutes for e in logged),
        verified=sum(e.minutes for e in approved),
        last_verified_on=_last_approved_on(approved),
        **_agreed(agreement, start, end),
    )


def _agreed(agreement, start: date, end: date) -> dict:
    """The agreed minimum and maximum for the days of the period that the agreement runs and
    no exemption covers."""
    inside_start, inside_end = max(start, agreement.starts_on), min(end, agreement.ends_on)
    exempt = _exempt_days(inside_start, inside_end, agreement.exemptions)
    active = _days(inside_start, inside_end) - exempt
    return {
        "agreed_min": quarter_round(agreement.weekly_minutes_min * active / 7),
        "agreed_max": quarter_round(agreement.weekly_minutes_max * active / 7),
        "exempt_days": exempt,
    }


def _last_approved_on(approved: list) -> date | None:
    """The latest day on which one of the entries was approved."""
    return max((e.decided_at.date() for e in approved if e.decided_at), default=None)


def monthly(agreement, entries: Sequence, until: date) -> list[Period]:
    """One Period per month of the agreement, up to the month of ``until``."""
    last = min(agreement.ends_on, until)
    if last < agreement.starts_on:
        return []
    return [summarise(agreement, entries, s, e) for s, e in months(agreement.starts_on, last)]


def weekly(agreement, entries: Sequence, until: date) -> list[Period]:
    """One Period per ISO week of the agreement, up to the week of ``until``."""
    last = min(agreement.ends_on, until)
    if last < agreement.starts_on:
        return []
    return [summarise(agreement, entries, s, e) for s, e in weeks(agreement.starts_on, last)]


def hours_text(minutes: int) -> str:
    """Minutes as hours with a decimal comma where needed: 90 → "1,5", 45 → "0,75"."""
    text = f"{minutes / 60:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
