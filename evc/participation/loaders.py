"""How URLs name agreements, hours entries and reports. A person who may see the object but not
do something with it right now is sent back to it with the reason; anyone else gets a 404."""

from __future__ import annotations

from dataclasses import replace

from flask import url_for
from sqlalchemy.orm import joinedload, selectinload

from evc.participation.models import HoursEntry, ParticipationAgreement, ParticipationReport
from evc.web import Loader


def agreement_url(agreement: ParticipationAgreement) -> str:
    return url_for("participation.agreement", agreement_id=agreement.id)


def report_url(record: ParticipationReport) -> str:
    return url_for("participation.report", report_id=record.id)


AGREEMENT = Loader(
    ParticipationAgreement,
    "agreement_id",
    options=(
        joinedload(ParticipationAgreement.client),
        joinedload(ParticipationAgreement.host_organisation),
        joinedload(ParticipationAgreement.host_contact),
        joinedload(ParticipationAgreement.municipality),
        selectinload(ParticipationAgreement.exemptions),
    ),
    seen="agreement.view",
    back=agreement_url,
)

# The client is told that approved hours no longer change; the host contact's rules on an
# entry refuse with a 404.
ENTRY = Loader(
    HoursEntry,
    "entry_id",
    options=(
        joinedload(HoursEntry.agreement).joinedload(ParticipationAgreement.client),
        joinedload(HoursEntry.agreement).selectinload(ParticipationAgreement.exemptions),
    ),
    seen="hours.edit",
    back=lambda entry: agreement_url(entry.agreement),
)

REPORT = Loader(
    ParticipationReport,
    "report_id",
    options=(
        joinedload(ParticipationReport.agreement).joinedload(ParticipationAgreement.organisation),
    ),
    seen="participation_report.view",
    back=report_url,
)

# Only who may revoke the agreement's reports learns that this one is revoked already.
REPORT_TO_REVOKE = replace(REPORT, seen="participation_report.revoke")
