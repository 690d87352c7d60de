"""The client's agreements, the agreement page, and the coordinator's agreements: recording one,
changing its terms, and exemptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from flask import redirect
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.extensions import db
from evc.formfields import filled
from evc.participation import services
from evc.participation.forms import AgreementForm, ExemptionForm
from evc.participation.loaders import AGREEMENT, agreement_url
from evc.participation.models import (
    EntryStatus,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
)
from evc.participation.report import regime_label
from evc.participation.totals import monthly, weekly
from evc.participation.views.blueprint import bp
from evc.permissions import can
from evc.web import Page, actor, done, page, permission, save, stored_version

WEEKS_SHOWN = 8
PEOPLE = ("client_id", "host_organisation_id", "host_contact_id")


def status_labels() -> dict:
    return {
        EntryStatus.PENDING: _("wacht op goedkeuring"),
        EntryStatus.APPROVED: _("goedgekeurd"),
        EntryStatus.DECLINED: _("afgewezen"),
    }


# --- the client and the agreement page --------------------------------------------------------


@bp.route("/participatie")
@permission("participation.own")
def own():
    """The client's agreements; with one agreement, straight to it."""
    agreements = db.session.scalars(
        select(ParticipationAgreement)
        .where(ParticipationAgreement.client_id == actor().id)
        .options(joinedload(ParticipationAgreement.host_organisation))
        .order_by(ParticipationAgreement.starts_on.desc())
    ).all()
    if len(agreements) == 1:
        return redirect(agreement_url(agreements[0]))
    return page("participation/own.html", agreements=agreements).render()


@bp.route("/participatie/afspraken/<int:agreement_id>")
@permission("agreement.view", AGREEMENT)
def agreement(item: ParticipationAgreement):
    """The agreement with hours per week and month. The host contact sees work and hours."""
    entries, today = _entries(item), date.today()
    private = can("agreement.view_private", item)
    return page(
        "participation/agreement.html",
        agreement=item,
        entries=entries,
        months=list(reversed(monthly(item, entries, today))),
        weeks=list(reversed(weekly(item, entries, today)))[:WEEKS_SHOWN],
        private=private,
        reports=_reports(item) if private else [],
        shared=private and services.shared_with_case_managers(item),
        regime=regime_label(item.regime.value),
        status_labels=status_labels(),
        Status=EntryStatus,
        today=today,
    ).render()


def _entries(agreement: ParticipationAgreement) -> list[HoursEntry]:
    return list(
        db.session.scalars(
            select(HoursEntry)
            .where(HoursEntry.agreement_id == agreement.id)
            .order_by(HoursEntry.worked_on.desc(), HoursEntry.id.desc())
        )
    )


def _reports(agreement: ParticipationAgreement) -> list[ParticipationReport]:
    return list(
        db.session.scalars(
            select(ParticipationReport)
            .where(ParticipationReport.agreement_id == agreement.id)
            .order_by(ParticipationReport.id.desc())
        )
    )


# --- the coordinator --------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/participatie")
@permission("participation.manage", ORGANISATION)
def organisation(org: Organisation):
    agreements = db.session.scalars(
        select(ParticipationAgreement)
        .where(ParticipationAgreement.organisation_id == org.id)
        .options(
            joinedload(ParticipationAgreement.client),
            joinedload(ParticipationAgreement.host_organisation),
        )
        .order_by(ParticipationAgreement.starts_on.desc(), ParticipationAgreement.id.desc())
    ).all()
    return page("participation/organisation.html", organisation=org, agreements=agreements).render()


@bp.route("/organisaties/<int:organisation_id>/participatie/nieuw", methods=["GET", "POST"])
@permission("participation.manage", ORGANISATION)
def new_agreement(org: Organisation):
    form = AgreementForm()
    _fill_choices(form, org)

    def action():
        item = services.create_agreement(org, form.terms(), actor=actor())
        return done(agreement_url(item), _("De afspraak is vastgelegd."))

    return save(form, action, _agreement_form(form, organisation=org))


@bp.route("/participatie/afspraken/<int:agreement_id>/wijzigen", methods=["GET", "POST"])
@permission("agreement.edit", AGREEMENT)
def edit_agreement(item: ParticipationAgreement):
    form = AgreementForm()
    if not form.is_submitted():
        _fill_terms(form, item)
    for name in PEOPLE:  # The people stay; a new host means a new agreement.
        del form[name]

    def action():
        version = form.version_id.data
        services.update_agreement(item, form.terms(), version_id=version, actor=actor())
        return done(agreement_url(item), _("De afspraak is aangepast."))

    stored = lambda: stored_version(form, ParticipationAgreement, id=item.id)  # noqa: E731
    return save(form, action, _agreement_form(form, agreement=item), conflict=stored)


@bp.route("/participatie/afspraken/<int:agreement_id>/ontheffing", methods=["GET", "POST"])
@permission("agreement.edit", AGREEMENT)
def add_exemption(item: ParticipationAgreement):
    form = ExemptionForm()

    def action():
        period = filled(form.starts_on.data), filled(form.ends_on.data)
        services.add_exemption(item, *period, form.reason.data or "", actor=actor())
        return done(agreement_url(item), _("De ontheffing is vastgelegd."))

    return save(form, action, page("participation/exemption.html", form=form, agreement=item))


def _agreement_form(form: AgreementForm, **context) -> Page:
    """The form of a new or a changed agreement; known municipalities are suggested while
    typing (the form also takes a new one)."""
    names = [row.name for row in services.municipalities()]
    return page("participation/agreement_form.html", form=form, municipalities=names, **context)


def _fill_terms(form: AgreementForm, item: ParticipationAgreement) -> None:
    form.municipality.data, form.client_reference.data = (
        item.municipality.name,
        item.client_reference,
    )
    form.regime.data, form.activity.data = item.regime.value, item.activity
    form.hours_min.data, form.hours_max.data = item.weekly_minutes_min, item.weekly_minutes_max
    form.starts_on.data, form.ends_on.data = item.starts_on, item.ends_on
    form.version_id.data = item.version_id


def _fill_choices(form: AgreementForm, org: Organisation) -> None:
    choose = [(0, _("Kies…"))]
    form.client_id.choices = choose + [(u.id, u.display_name) for u in _clients(org)]
    form.host_organisation_id.choices = choose + [(h.id, h.name) for h in _hosts()]
    form.host_contact_id.choices = choose + [
        (u.id, f"{u.display_name} ({n})") for u, n in _host_contacts()
    ]


def _clients(org: Organisation) -> Sequence[User]:
    return db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == org.id, Membership.role == Role.CLIENT)
        .order_by(User.display_name)
    ).all()


def _hosts() -> Sequence[Organisation]:
    return db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.HOST, Organisation.is_active.is_(True))
        .order_by(Organisation.name)
    ).all()


def _host_contacts() -> Sequence:
    """Supervisors at a host, with the host's name."""
    return db.session.execute(
        select(User, Organisation.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.kind == OrganisationKind.HOST, Membership.role == Role.SUPERVISOR)
        .order_by(User.display_name)
    ).all()
