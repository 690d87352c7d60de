"""Participatiewet: Daan's agreement at the host organisation, his hours and a report."""

from __future__ import annotations

from datetime import date, timedelta

from evc.accounts import services
from evc.accounts.models import Organisation, OrganisationKind, Role, User
from evc.demo.common import add_account, person
from evc.extensions import db
from evc.participation import services as participation
from evc.participation.models import ParticipationAgreement
from evc.participation.totals import month_end

HOST_ORG = "Buurthuis De Schakel"
HOST_CONTACT = ("inzet@example.org", "Hanna Hosman")
MUNICIPALITY = "Gemeente Utrecht"
CASE_MANAGER = ("klantmanager@example.org", "Karim Klantmanager")

# Daan's agreement, apart from the people, the organisations and the dates.
AGREEMENT = {
    "municipality": MUNICIPALITY,
    "client_reference": "KM-2026-0142",
    "activity": "Helpen in de keuken van het buurthuis",
    "weekly_minutes_min": 4 * 60,
    "weekly_minutes_max": 8 * 60,
}
# Daan works on Tuesdays and Thursdays: minutes by weekday.
WORKING_DAYS = {1: 150, 3: 180}
DECLINE_REASON = "Die donderdag was het buurthuis dicht. Klopt de datum?"


def seed_participation(organisation: Organisation, password_hash: str) -> None:
    """Daan's participation agreement at the community centre: two months of hours, most
    verified by Hanna, one declined, the rest waiting, and a report for the first month."""
    coordinator, daan = person("coordinator@example.org"), person("deelnemer@example.org")
    host, hanna = _host_with_contact(password_hash)
    _municipality_with_case_manager(password_hash)
    _share_reports_with_case_managers(organisation)
    today = date.today()
    start = (today.replace(day=1) - timedelta(days=40)).replace(day=1)
    agreement = participation.create_agreement(
        organisation, _agreement_data(daan, host, hanna, start, today), actor=coordinator
    )
    _log_and_check_hours(agreement, daan, hanna, start, today)
    participation.issue_report(agreement, start, start, actor=coordinator, today=today)


def _host_with_contact(password_hash: str) -> tuple[Organisation, User]:
    """The community centre and Hanna, its contact who verifies the hours."""
    host = services.create_organisation(HOST_ORG, OrganisationKind.HOST, actor=None)
    email, name = HOST_CONTACT
    return host, add_account(email, name, password_hash, host, (Role.SUPERVISOR,))


def _municipality_with_case_manager(password_hash: str) -> None:
    """The municipality with its klantmanager, who may read the reports."""
    municipality = services.create_organisation(
        MUNICIPALITY, OrganisationKind.MUNICIPALITY, actor=None
    )
    email, name = CASE_MANAGER
    add_account(email, name, password_hash, municipality, (Role.COORDINATOR, Role.CASE_MANAGER))


def _share_reports_with_case_managers(organisation: Organisation) -> None:
    """The organisation shares its reports with the klantmanagers (a setting)."""
    from evc.assessment.services import settings_of

    shared = settings_of(organisation.id)
    shared.share_reports_with_case_managers = True
    db.session.add(shared)
    db.session.flush()


def _agreement_data(daan: User, host: Organisation, hanna: User, start: date, today: date) -> dict:
    regime, end = _demo_regime(start, today)
    return {
        "client_id": daan.id,
        "host_organisation_id": host.id,
        "host_contact_id": hanna.id,
        **AGREEMENT,
        "regime": regime,
        "starts_on": start,
        "ends_on": end,
    }


def _log_and_check_hours(
    agreement: ParticipationAgreement, daan: User, hanna: User, start: date, today: date
) -> None:
    """Two months of hours: Hanna approves all but the last three and declines the first of
    those; the last two wait for her."""
    entries = [
        participation.log_hours(agreement, _hours(day), actor=daan, today=today)
        for day in _working_days(start)
    ]
    for entry in entries[:-3]:
        participation.approve_entry(entry, actor=hanna)
    participation.decline_entry(entries[-3], DECLINE_REASON, actor=hanna)


def _working_days(start: date) -> list[date]:
    """Daan's working days in the month that starts on ``start`` and the month after it."""
    second_month = month_end(start) + timedelta(days=1)
    return [d for d in _days(start, month_end(second_month)) if d.weekday() in WORKING_DAYS]


def _hours(day: date) -> dict:
    return {
        "worked_on": day,
        "minutes": WORKING_DAYS[day.weekday()],
        "activity": "Koken en afwassen",
        "note": "",
    }


def _demo_regime(start: date, today: date) -> tuple[str, date]:
    """The regime that fits the demo's dates: the tegenprestatie ends with 2026."""
    if start >= date(2027, 1, 1):
        return "social_participation", start + timedelta(days=365)
    if today <= date(2026, 12, 31):
        return "reciprocity", date(2026, 12, 31)
    return "voluntary", start + timedelta(days=365)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
