"""The participation part of the dashboard: the client's running agreements with this month's
totals, and the entries that wait for the host contact. ``today`` can be given, so tests can
freeze the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.models import Role, User
from evc.extensions import db
from evc.participation.models import EntryStatus, HoursEntry, ParticipationAgreement
from evc.participation.totals import month_end, month_start


def dashboard_summary(user: User, *, client: bool, host: bool, today: date | None = None) -> dict:
    """For the dashboard: the client's running agreements with this month's totals, and how
    many entries wait for the host contact (a fixed number of queries)."""
    today = today or date.today()
    result: dict = {"agreements": [], "host_agreements": 0, "pending": 0}
    if client:
        result["agreements"] = _running_agreements(user, today)
    if host:
        result.update(_host_counts(user))
    return result


def _running_agreements(user: User, today: date) -> list[dict]:
    """The client's agreements that run this month, each with this month's totals and how many
    of its entries were declined."""
    from evc.participation.totals import summarise

    first, last = month_start(today), month_end(today)
    agreements = _agreements_running_since(user, first)
    entries = _month_or_declined_entries([a.id for a in agreements], first)
    rows = []
    for agreement in agreements:
        own = [e for e in entries if e.agreement_id == agreement.id]
        declined = sum(1 for e in own if e.status == EntryStatus.DECLINED)
        month = summarise(agreement, own, first, last)
        rows.append({"agreement": agreement, "month": month, "declined": declined})
    return rows


def _agreements_running_since(user: User, first: date) -> Sequence[ParticipationAgreement]:
    """The client's agreements that end on or after ``first``, with what the totals need."""
    return db.session.scalars(
        select(ParticipationAgreement)
        .where(ParticipationAgreement.client_id == user.id, ParticipationAgreement.ends_on >= first)
        .options(
            joinedload(ParticipationAgreement.host_organisation),
            selectinload(ParticipationAgreement.exemptions),
        )
        .order_by(ParticipationAgreement.starts_on)
    ).all()


def _month_or_declined_entries(agreement_ids: list[int], first: date) -> Sequence[HoursEntry]:
    if not agreement_ids:
        return []
    return db.session.scalars(
        select(HoursEntry).where(
            HoursEntry.agreement_id.in_(agreement_ids),
            (HoursEntry.worked_on >= first) | (HoursEntry.status == EntryStatus.DECLINED),
        )
    ).all()


def _host_counts(user: User) -> dict:
    """How many agreements ``user`` verifies as host contact, and how many entries wait."""
    ids = select(ParticipationAgreement.id).where(
        ParticipationAgreement.host_contact_id == user.id,
        ParticipationAgreement.host_organisation_id.in_(user.organisation_ids(Role.SUPERVISOR)),
    )
    agreements = db.count(select(func.count()).select_from(ids.subquery()))
    pending = 0
    if agreements:
        pending = db.count(
            select(func.count(HoursEntry.id)).where(
                HoursEntry.agreement_id.in_(ids), HoursEntry.status == EntryStatus.PENDING
            )
        )
    return {"host_agreements": agreements, "pending": pending}
