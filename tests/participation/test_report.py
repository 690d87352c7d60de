"""Monthly totals and the carried-out flag (frozen clock), the report's fields in the stored
PDF and in the CSV, CSV escaping, the PDF's URL fetcher and the public check."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from evc.errors import DomainError
from evc.extensions import db
from evc.participation import report, services
from evc.participation.models import EntryStatus, ParticipationReport
from evc.participation.totals import monthly, weekly
from tests import factories
from tests.participation.conftest import TODAY

APPROVED = EntryStatus.APPROVED


def pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def logged(agreement):
    """September: nothing verified (one declined); October: exemption 5–18 Oct and 4 h
    verified; November (until TODAY): 2.5 h verified, 1 h pending."""
    factories.hours(agreement, date(2026, 9, 10), 120, status=EntryStatus.DECLINED)
    factories.exemption(agreement, date(2026, 10, 5), date(2026, 10, 18), "Mantelzorg")
    factories.hours(
        agreement,
        date(2026, 10, 20),
        240,
        status=APPROVED,
        decided_at=datetime(2026, 10, 23, 9, tzinfo=UTC),
    )
    factories.hours(
        agreement,
        date(2026, 11, 3),
        150,
        status=APPROVED,
        decided_at=datetime(2026, 11, 6, 9, tzinfo=UTC),
    )
    factories.hours(agreement, date(2026, 11, 17), 60)
    return agreement


def entries_of(agreement):
    from evc.participation.models import HoursEntry

    return list(
        db.session.scalars(select(HoursEntry).where(HoursEntry.agreement_id == agreement.id))
    )


def test_monthly_totals_and_carried_out_flag(logged):
    months = monthly(logged, entries_of(logged), TODAY)
    assert [m.key for m in months] == ["2026-09", "2026-10", "2026-11"]  # not past TODAY
    september, october, november = months
    assert (september.logged, september.verified, september.carried_out) == (0, 0, False)
    assert (october.logged, october.verified, october.carried_out) == (240, 240, True)
    assert (november.logged, november.verified, november.carried_out) == (210, 150, True)
    assert [m.has_exemption for m in months] == [False, True, False]
    # 30 days at 2–8 h a week; October has 31 days minus 14 exempt = 17 days
    assert (september.agreed_min, september.agreed_max) == (510, 2055)
    assert (october.agreed_min, october.agreed_max) == (285, 1170)
    assert october.last_verified_on == date(2026, 10, 23)


def test_weekly_totals_count_only_days_inside_the_agreement(logged):
    weeks = weekly(logged, entries_of(logged), TODAY)
    first = weeks[0]  # Monday 31 August: only 1–6 September are inside the agreement
    assert first.start == date(2026, 8, 31) and (first.agreed_min, first.agreed_max) == (105, 405)
    week_of_exemption = next(w for w in weeks if w.start == date(2026, 10, 5))
    assert week_of_exemption.agreed_max == 0 and week_of_exemption.has_exemption
    assert weeks[-1].start == date(2026, 11, 16) and weeks[-1].logged == 60


def test_report_holds_only_the_municipalitys_fields(logged, coordinator):
    record = services.issue_report(
        logged, date(2026, 9, 1), date(2026, 11, 1), actor=coordinator, today=TODAY
    )
    db.session.commit()
    data = record.data
    assert set(data) == {
        "number",
        "issued_on",
        "client_reference",
        "municipality",
        "regime",
        "legal_reference",
        "host_organisation",
        "period_start",
        "period_end",
        "months",
    }
    assert data["client_reference"] == "KM-2026-0142" and data["municipality"] == "Gemeente Utrecht"
    assert data["months"][1] == {
        "month": "2026-10",
        "verified_minutes": 240,
        "agreed_min_minutes": 285,
        "agreed_max_minutes": 1170,
        "carried_out": True,
        "exemption": True,
        "verified_on": "2026-10-23",
    }
    assert record.sha256 == hashlib.sha256(record.pdf).hexdigest()
    text = pdf_text(record.pdf)
    for expected in (
        record.number,
        "KM-2026-0142",
        "Gemeente Utrecht",
        "Buurthuis De Schakel",
        "Tegenprestatie",
        "2026-10",
        "2026-10-23",
        "4",
        "ja",
        "nee",
    ):
        assert expected in text, expected
    for secret in ("Daan", "Mantelzorg", "Afwassen", "keuken"):
        assert secret not in text and secret not in str(data)


def test_report_numbers_are_random_and_long(logged, coordinator):
    numbers = {report.new_number() for _ in range(200)}
    assert len(numbers) == 200
    assert all(len(n) == 22 and n.startswith("PR-") for n in numbers)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (date(2027, 1, 1), date(2027, 2, 1), "first_month"),  # future and no agreement
        (date(2026, 5, 1), date(2026, 7, 1), "first_month"),  # before the agreement
        (date(2026, 11, 1), date(2026, 10, 1), "last_month"),
    ],
)
def test_report_for_a_period_without_agreement_is_refused(
    agreement, coordinator, first, last, field
):
    with pytest.raises(DomainError) as caught:
        services.issue_report(agreement, first, last, actor=coordinator, today=TODAY)
    assert caught.value.field == field
    assert db.session.scalar(select(ParticipationReport.id)) is None


def test_csv_cells_that_start_a_formula_are_neutralised():
    for value in ("=1+1", "+31", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert report.safe_cell(value) == "'" + value
    assert report.safe_cell("KM-1") == "KM-1" and report.safe_cell(None) == ""


def test_csv_of_a_report_escapes_a_hostile_reference(org, daan, hanna, coordinator):
    hostile = factories.agreement(
        org,
        client=daan,
        contact=hanna,
        reference='=HYPERLINK("http://x")',
        municipality="@Gemeente",
    )
    factories.hours(hostile, date(2026, 10, 1), 90, status=APPROVED)
    record = services.issue_report(
        hostile, date(2026, 10, 1), date(2026, 10, 1), actor=coordinator, today=TODAY
    )
    text = report.render_csv(record.data)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == list(report.CSV_COLUMNS)
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][2] == "'@Gemeente"
    assert rows[1][4:10] == ["2026-10", "1,5", "8,75", "35,5", "ja", "nee"]


def test_pdf_fetcher_reads_only_from_static():
    assert report.static_path(report.STATIC_BASE + "css/evc.css") is not None
    for url in (
        "file:///etc/passwd",
        "http://example.org/x.css",
        report.STATIC_BASE + "../evc/config.py",
        report.STATIC_BASE + "%2e%2e/pyproject.toml",
        report.STATIC_BASE + "css/evc.css?x=1",
    ):
        assert report.static_path(url) is None, url
    fetcher = report._static_only_fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")


def test_public_check_matches_number_and_file_and_is_throttled(app, logged, coordinator):
    record = services.issue_report(
        logged, date(2026, 10, 1), date(2026, 10, 1), actor=coordinator, today=TODAY
    )
    db.session.commit()
    found = services.check_report(record.number.lower(), record.pdf, "10.0.0.1")
    assert found["report"].id == record.id and found["file_matches"] is True
    assert services.check_report(record.number, b"%PDF-other", "10.0.0.1")["file_matches"] is False
    assert services.check_report("PR-AAAA-AAAA-AAAA-AAAA", None, "10.0.0.1")["report"] is None
    app.config["REPORT_CHECK_MAX_PER_ADDRESS"] = 4
    services.check_report(record.number, None, "10.0.0.1")
    with pytest.raises(services.CheckThrottled):
        services.check_report(record.number, None, "10.0.0.1")
    assert services.check_report(record.number, None, "10.0.0.2")["report"] is not None


def test_report_for_an_agreement_that_has_not_started_is_refused(org, daan, hanna, coordinator):
    later = factories.agreement(
        org, client=daan, contact=hanna, starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 31)
    )
    with pytest.raises(DomainError) as caught:
        services.issue_report(
            later, date(2026, 11, 1), date(2026, 12, 1), actor=coordinator, today=TODAY
        )
    assert "geen participatieafspraak" in str(caught.value.message)
