"""The client's agreements, the agreement page, and the coordinator's agreements: recording one,
changing its terms, and exemptions."""

from __future__ import annotations

from datetime import date

from flask import redirect, request
from flask_babel import gettext as _

from evc.accounts.loaders import ORGANISATION
from evc.accounts.models import Organisation
from evc.formfields import filled, person_choices
from evc.participation import services
from evc.participation.forms import AgreementForm, ExemptionForm
from evc.participation.loaders import AGREEMENT, agreement_url
from evc.participation.models import EntryStatus, ParticipationAgreement
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
    agreements = services.agreements_of_client(actor())
    if len(agreements) == 1:
        return redirect(agreement_url(agreements[0]))
    return page("participation/own.html", agreements=agreements).render()


@bp.route("/participatie/afspraken/<int:agreement_id>")
@permission("agreement.view", AGREEMENT)
def agreement(item: ParticipationAgreement):
    """The agreement with hours per week and month. The host contact sees work and hours."""
    entries, today = services.entries_of(item), date.today()
    private = can("agreement.view_private", item)
    return page(
        "participation/agreement.html",
        agreement=item,
        entries=entries,
        months=list(reversed(monthly(item, entries, today))),
        weeks=list(reversed(weekly(item, entries, today)))[:WEEKS_SHOWN],
        private=private,
        reports=services.reports_of(item) if private else [],
        shared=private and services.shared_with_case_managers(item),
        regime=regime_label(item.regime.value),
        status_labels=status_labels(),
        Status=EntryStatus,
        today=today,
    ).render()


# --- the coordinator --------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/participatie")
@permission("participation.manage", ORGANISATION)
def organisation(org: Organisation):
    agreements = services.agreements_of_organisation(org)
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
    form = AgreementForm(data=None if request.method == "POST" else _shown_terms(item))
    for name in PEOPLE:  # The people stay; a new host means a new agreement.
        del form[name]
    view = _agreement_form(form, agreement=item)
    stored = lambda: stored_version(form, ParticipationAgreement, id=item.id)  # noqa: E731
    return save(form, lambda: _change_terms(item, form), view, conflict=stored)


def _change_terms(item: ParticipationAgreement, form: AgreementForm):
    version = form.version_id.data
    services.update_agreement(item, form.terms(), version_id=version, actor=actor())
    return done(agreement_url(item), _("De afspraak is aangepast."))


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


def _shown_terms(item: ParticipationAgreement) -> dict:
    """The agreement's terms as the form shows them, at the version that was read."""
    return {
        "municipality": item.municipality.name,
        "client_reference": item.client_reference,
        "regime": item.regime.value,
        "activity": item.activity,
        "hours_min": item.weekly_minutes_min,
        "hours_max": item.weekly_minutes_max,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "version_id": item.version_id,
    }


def _fill_choices(form: AgreementForm, org: Organisation) -> None:
    choose = _("Kies…")
    form.client_id.choices = person_choices(choose, services.clients_of(org))
    form.host_organisation_id.choices = [(0, choose)] + [(h.id, h.name) for h in services.hosts()]
    form.host_contact_id.choices = [(0, choose)] + [
        (u.id, f"{u.display_name} ({n})") for u, n in services.host_contacts()
    ]
