"""Klantmanagers of a municipality: which reports they may read, the notices they get, and
the log of their reads.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, defer

from evc.accounts.models import Membership, Organisation, Role, User
from evc.audit import log_action
from evc.db import utcnow
from evc.extensions import db
from evc.mail import absolute_url, mail_user
from evc.paging import Paged, paginate
from evc.participation.models import (
    ParticipationAgreement,
    ParticipationReport,
)
from evc.procedure.settings import settings_of

# --- klantmanagers of the municipality ---------------------------------------------------------

CASE_MANAGER_PAGE_SIZE = 50


def shared_with_case_managers(agreement: ParticipationAgreement) -> bool:
    """Whether the organisation that made the agreement lets klantmanagers read its reports."""
    return settings_of(agreement.organisation_id).share_reports_with_case_managers


def case_managers_of(municipality_id: int) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == municipality_id,
                Membership.role == Role.CASE_MANAGER,
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )


def tell_case_managers(record: ParticipationReport, template: str, subject, **context) -> None:
    """A short notice with a link to the klantmanagers who may read ``record``; no client
    reference or name travels by mail."""
    agreement = record.agreement
    if not shared_with_case_managers(agreement):
        return
    link = absolute_url("participation.report", report_id=record.id)
    for user in case_managers_of(record.municipality_id):
        mail_user(
            user,
            template,
            subject,
            organisation_id=agreement.organisation_id,
            organisation=agreement.organisation,
            report=record,
            link=link,
            **context,
        )


def _visible_reports(user: User):
    """The ids of the reports ``user`` may read as klantmanager (a subquery)."""
    from evc.procedure.models import OrganisationSettings

    return (
        select(ParticipationReport.id)
        .join(ParticipationAgreement, ParticipationAgreement.id == ParticipationReport.agreement_id)
        .join(
            OrganisationSettings,
            OrganisationSettings.organisation_id == ParticipationAgreement.organisation_id,
        )
        .where(
            ParticipationReport.municipality_id.in_(user.organisation_ids(Role.CASE_MANAGER)),
            OrganisationSettings.share_reports_with_case_managers.is_(True),
        )
    )


def case_manager_summary(user: User, *, days: int = 30) -> dict:
    """For the dashboard: how many reports the klantmanager may read, and how many are new."""
    visible = _visible_reports(user).subquery()
    since = utcnow() - timedelta(days=days)
    total, recent = db.session.execute(
        select(
            func.count(ParticipationReport.id),
            func.count(ParticipationReport.id).filter(ParticipationReport.created_at >= since),
        ).where(ParticipationReport.id.in_(select(visible.c.id)))
    ).one()
    return {"total": total, "recent": recent, "days": days}


def case_manager_municipalities(user: User) -> list[str]:
    """The names of the municipalities where ``user`` is a klantmanager."""
    return list(
        db.session.scalars(
            select(Organisation.name)
            .where(Organisation.id.in_(user.organisation_ids(Role.CASE_MANAGER)))
            .order_by(Organisation.name)
        )
    )


def case_manager_reports(
    user: User, *, reference: str = "", organisation_id: int | None = None, page: int = 1
) -> tuple[Paged, list[Organisation]]:
    """The reports a klantmanager may read: of agreements with their municipality, made by an
    organisation that shares them. Returns (one page of rows, organisations to filter on); each
    row is (report, client reference, regime, organisation, host and municipality names)."""
    visible = _visible_reports(user)
    wanted = _filtered(visible, " ".join((reference or "").split()), organisation_id)
    rows = paginate(_report_rows(wanted), size=CASE_MANAGER_PAGE_SIZE, number=page, rows=True)
    return rows, _reporting_organisations(visible)


def _reporting_organisations(visible) -> list[Organisation]:
    """The organisations that made the ``visible`` reports (to filter on)."""
    makers = (
        select(ParticipationAgreement.organisation_id)
        .join(ParticipationReport, ParticipationReport.agreement_id == ParticipationAgreement.id)
        .where(ParticipationReport.id.in_(visible))
    )
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.id.in_(makers)).order_by(Organisation.name)
        )
    )


def _filtered(visible, reference: str, organisation_id: int | None):
    """The ``visible`` reports whose client reference contains ``reference``, of one organisation
    when ``organisation_id`` is given."""
    wanted = visible
    if reference:
        wanted = wanted.where(
            func.lower(ParticipationAgreement.client_reference).contains(
                reference.lower(), autoescape=True
            )
        )
    if organisation_id:
        wanted = wanted.where(ParticipationAgreement.organisation_id == organisation_id)
    return wanted


def _report_rows(wanted):
    """The ``wanted`` reports, newest first, with the names the list shows."""
    maker, host, municipality = aliased(Organisation), aliased(Organisation), aliased(Organisation)
    return (
        select(
            ParticipationReport,
            ParticipationAgreement.client_reference,
            ParticipationAgreement.regime,
            maker.name,
            host.name,
            municipality.name,
        )
        .join(ParticipationAgreement, ParticipationAgreement.id == ParticipationReport.agreement_id)
        .join(maker, maker.id == ParticipationAgreement.organisation_id)
        .join(host, host.id == ParticipationAgreement.host_organisation_id)
        .join(municipality, municipality.id == ParticipationReport.municipality_id)
        .where(ParticipationReport.id.in_(wanted))
        .options(defer(ParticipationReport.pdf), defer(ParticipationReport.data))
        .order_by(ParticipationReport.created_at.desc(), ParticipationReport.id.desc())
    )


def record_case_manager_read(record: ParticipationReport, user: User, what: str) -> bool:
    """Reads by a klantmanager are logged for the organisation that made the agreement."""
    agreement = record.agreement
    if Role.CASE_MANAGER not in user.roles_in(record.municipality_id):
        return False
    if user.id == agreement.client_id or Role.COORDINATOR in user.roles_in(
        agreement.organisation_id
    ):
        return False
    log_action(
        "participation.report_read",
        actor=user,
        organisation_id=record.agreement.organisation_id,
        obj=record,
        what=what,
    )
    return True
