"""Participatiewet: Daan's agreement at the host organisation, his hours and a report."""

from __future__ import annotations

from datetime import date, timedelta

from evc.accounts import services
from evc.accounts.models import OrganisationKind, Role, User
from evc.demo.common import person
from evc.extensions import db

HOST_ORG = "Buurthuis De Schakel"
HOST_CONTACT = ("inzet@example.org", "Hanna Hosman")
MUNICIPALITY = "Gemeente Utrecht"
CASE_MANAGER = ("klantmanager@example.org", "Karim Klantmanager")


def seed_participation(organisation, password_hash: str) -> None:
    """Daan's participation agreement at the community centre: two months of hours, most
    verified by Hanna, one declined, the rest waiting, and a report for the first month."""
    from evc.participation import services as participation
    from evc.participation.totals import month_end

    find = person
    coordinator, daan = find("coordinator@example.org"), find("deelnemer@example.org")
    host = services.create_organisation(HOST_ORG, OrganisationKind.HOST, actor=None)
    email, name = HOST_CONTACT
    hanna = User(email=email, display_name=name, language="nl", password_hash=password_hash)
    db.session.add(hanna)
    db.session.flush()
    services.add_role(hanna, host, Role.SUPERVISOR, actor=None)
    # The municipality with its klantmanager, who may read the reports: the organisation
    # shares them (a setting).
    municipality = services.create_organisation(
        MUNICIPALITY, OrganisationKind.MUNICIPALITY, actor=None
    )
    email, name = CASE_MANAGER
    karim = User(email=email, display_name=name, language="nl", password_hash=password_hash)
    db.session.add(karim)
    db.session.flush()
    services.add_role(karim, municipality, Role.COORDINATOR, actor=None)
    services.add_role(karim, municipality, Role.CASE_MANAGER, actor=None)
    from evc.assessment.services import settings_of

    shared = settings_of(organisation.id)
    shared.share_reports_with_case_managers = True
    db.session.add(shared)
    db.session.flush()
    today = date.today()
    start = (today.replace(day=1) - timedelta(days=40)).replace(day=1)
    regime, end = _demo_regime(start, today)
    agreement = participation.create_agreement(
        organisation,
        {
            "client_id": daan.id,
            "host_organisation_id": host.id,
            "host_contact_id": hanna.id,
            "municipality": MUNICIPALITY,
            "client_reference": "KM-2026-0142",
            "regime": regime,
            "activity": "Helpen in de keuken van het buurthuis",
            "weekly_minutes_min": 4 * 60,
            "weekly_minutes_max": 8 * 60,
            "starts_on": start,
            "ends_on": end,
        },
        actor=coordinator,
    )
    second_month = month_end(start) + timedelta(days=1)
    days = [d for d in _days(start, month_end(second_month)) if d.weekday() in (1, 3)]
    entries = [
        participation.log_hours(
            agreement,
            {
                "worked_on": day,
                "minutes": 150 if day.weekday() == 1 else 180,
                "activity": "Koken en afwassen",
                "note": "",
            },
            actor=daan,
            today=today,
        )
        for day in days
    ]
    for entry in entries[:-3]:
        participation.approve_entry(entry, actor=hanna)
    participation.decline_entry(
        entries[-3], "Die donderdag was het buurthuis dicht. Klopt de datum?", actor=hanna
    )
    participation.issue_report(agreement, start, start, actor=coordinator, today=today)


def _demo_regime(start: date, today: date) -> tuple[str, date]:
    """The regime that fits the demo's dates: the tegenprestatie ends with 2026."""
    if start >= date(2027, 1, 1):
        return "social_participation", start + timedelta(days=365)
    if today <= date(2026, 12, 31):
        return "reciprocity", date(2026, 12, 31)
    return "voluntary", start + timedelta(days=365)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
