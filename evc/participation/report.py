"""The report for the municipality: plain data, its PDF and its CSV.

The data holds only what the municipality needs (client reference, municipality, regime, months
with verified and agreed hours, the carried-out flag, exemption months, host organisation, date
of verification): no name, no activity, no notes, no exemption reasons.

The PDF is rendered from that data by WeasyPrint with a URL fetcher that reads only from
``static/``: no ``file:`` URLs elsewhere, no network. The CSV neutralises cells that a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from evc.config import ROOT
from evc.participation.totals import Period, hours_text

STATIC = (ROOT / "static").resolve()
STATIC_BASE = "https://static.evc.invalid/"
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read out and type
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def new_number() -> str:
    """A report number that cannot be guessed: 16 random characters (80 bits)."""
    chars = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(16))
    return "PR-" + "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def month_row(period: Period) -> dict:
    return {
        "month": period.key,
        "verified_minutes": period.verified,
        "agreed_min_minutes": period.agreed_min,
        "agreed_max_minutes": period.agreed_max,
        "carried_out": period.carried_out,
        "exemption": period.has_exemption,
        "verified_on": period.last_verified_on.isoformat() if period.last_verified_on else None,
    }


def report_data(agreement, number: str, issued_on, periods: list[Period]) -> dict:
    """The plain values of a report (stored with it; the PDF and CSV are made from them)."""
    return {
        "number": number,
        "issued_on": issued_on.isoformat(),
        "client_reference": agreement.client_reference,
        "municipality": agreement.municipality.name,
        "regime": agreement.regime.value,
        "legal_reference": agreement.legal_reference,
        "host_organisation": agreement.host_organisation.name,
        "period_start": periods[0].start.isoformat(),
        "period_end": periods[-1].end.isoformat(),
        "months": [month_row(period) for period in periods],
    }


# --- PDF --------------------------------------------------------------------------------------


def _static_only_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves files under ``static/`` for URLs below STATIC_BASE; refuses everything else."""

        def fetch(self, url, headers=None):
            path = static_path(url)
            if path is None:
                raise ValueError(f"the report may only use files from static/: {url}")
            return URLFetcherResponse(url, body=path.read_bytes())

    return StaticOnlyFetcher()


def static_path(url: str) -> Path | None:
    """The file under ``static/`` that ``url`` names, or None when it names anything else."""
    if not url.startswith(STATIC_BASE) or urlsplit(url).query:
        return None
    path = (STATIC / unquote(url[len(STATIC_BASE) :])).resolve()
    if not path.is_relative_to(STATIC) or not path.is_file():
        return None
    return path


def render_pdf(data: dict, check_url: str) -> bytes:
    """The report as PDF (in Dutch, the language of the municipality's records)."""
    import weasyprint

    with force_locale("nl"):
        html = render_template(
            "participation/report_pdf.html",
            data=data,
            check_url=check_url,
            regime=regime_label(data["regime"]),
            hours=hours_text,
        )
    document = weasyprint.HTML(
        string=html, base_url=STATIC_BASE, url_fetcher=_static_only_fetcher()
    )
    return document.write_pdf()


def regime_label(value: str) -> str:
    labels = {
        "reciprocity": _("Tegenprestatie (art. 9 lid 1 onderdeel c Participatiewet)"),
        "social_participation": _("Maatschappelijke participatie"),
        "voluntary": _("Vrijwillig"),
    }
    return labels.get(value, value)


# --- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "rapportnummer",
    "klantreferentie",
    "gemeente",
    "regime",
    "maand",
    "geverifieerde_uren",
    "afgesproken_uren_min",
    "afgesproken_uren_max",
    "uitgevoerd",
    "ontheffing",
    "inzetorganisatie",
    "datum_verificatie",
)


def safe_cell(value) -> str:
    """A cell a spreadsheet shows as text: a leading =, +, -, @, tab or CR gets a quote (OWASP
    CSV injection guidance)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def render_csv(data: dict) -> str:
    """One row per month; semicolons and decimal commas, as Dutch spreadsheets expect."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for month in data["months"]:
        writer.writerow([safe_cell(value) for value in _csv_row(data, month)])
    return "\ufeff" + out.getvalue()  # the BOM makes Excel read UTF-8


def _csv_row(data: dict, month: dict) -> tuple:
    """One month of the report, in the order of ``CSV_COLUMNS``."""
    return (
        data["number"],
        data["client_reference"],
        data["municipality"],
        data["regime"],
        month["month"],
        hours_text(month["verified_minutes"]),
        hours_text(month["agreed_min_minutes"]),
        hours_text(month["agreed_max_minutes"]),
        "ja" if month["carried_out"] else "nee",
        "ja" if month["exemption"] else "nee",
        data["host_organisation"],
        month["verified_on"] or "",
    )
