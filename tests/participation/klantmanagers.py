"""What the klantmanager tests share: Karim, a klantmanager of Gemeente Utrecht (Daan's
municipality), Zoë of Gemeente Zeist (Olga's), their reports issued with the clock frozen at
TODAY, and the helpers that read the pages."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

from sqlalchemy import func, select

from evc.accounts.models import Organisation, User
from evc.audit import AuditEntry
from evc.extensions import db
from evc.participation import report as report_module
from evc.participation import services
from evc.participation.models import ParticipationAgreement, ParticipationReport
from tests import factories
from tests.conftest import Browserless
from tests.participation.conftest import TODAY

# session, user with memberships, organisations to filter on, total, page of rows, municipalities
LIST_QUERIES = 6
DAAN_SECRETS = ("Daan Deelnemer", "daan@test.example", "Helpen in de keuken", "Ik was er vroeg")
OLGA_SECRETS = ("OLGA-REF-777", "Olga Overig", "GEHEIM-OLGA-WERK", "Sorteren van kleding")


def text(response) -> str:
    return response.get_data(as_text=True)


def as_user(app, person) -> Browserless:
    web = Browserless(app.test_client())
    web.login(person.email)
    return web


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def assert_no_leak(page: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in page, secret


def listed(page: str) -> list[int]:
    """The report ids in the klantmanager's list, in the order shown."""
    return [int(n) for n in re.findall(r'data-report="(\d+)"', page)]


def report_urls(record: ParticipationReport) -> tuple[str, str, str]:
    base = f"/participatie/rapporten/{record.id}"
    return base, f"{base}/pdf", f"{base}/csv"


def reads() -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "participation.report_read")
            .order_by(AuditEntry.id)
        )
    )


def share(organisation: Organisation, on: bool = True) -> None:
    factories.org_settings(organisation, share_reports_with_case_managers=on)


def issue(agreement: ParticipationAgreement, actor: User) -> ParticipationReport:
    """A real report (PDF and all) over October and November, as the coordinator issues it."""
    record = services.issue_report(
        agreement, date(2026, 10, 1), date(2026, 11, 1), actor=actor, today=TODAY
    )
    db.session.commit()
    return record


def cheap_report(
    agreement: ParticipationAgreement, *, created_at: datetime | None = None
) -> ParticipationReport:
    """A report row without rendering a PDF: enough for the list, its filters and its pages."""
    agreement = db.session.get(ParticipationAgreement, agreement.id)
    number = report_module.new_number()
    pdf = b"%PDF-1.4 test " + number.encode()
    record = ParticipationReport(
        agreement_id=agreement.id,
        municipality_id=agreement.municipality_id,
        number=number,
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        issued_by_id=None,
        data={
            "number": number,
            "issued_on": TODAY.isoformat(),
            "client_reference": agreement.client_reference,
            "municipality": agreement.municipality.name,
            "regime": agreement.regime.value,
            "legal_reference": agreement.legal_reference,
            "host_organisation": agreement.host_organisation.name,
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "months": [],
        },
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )
    if created_at is not None:
        record.created_at = created_at
    db.session.add(record)
    db.session.commit()
    return record
