"""Screens of the participation log: the client's overview and hours, the host contact's
verification, the coordinator's agreements and reports, and the public check page.

Each view: load → require → validate → service → commit → flash → redirect. The agreement page
is one page for three roles; what it shows depends on ``agreement.view_private``.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from evc.accounts.models import Membership, Organisation, OrganisationKind, Role, User
from evc.accounts.views import apply_form_error
from evc.errors import DomainError
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.mail import send_pending
from evc.once import consume_once
from evc.participation import services
from evc.participation.forms import (
    AgreementForm,
    CheckForm,
    DeclineForm,
    ExemptionForm,
    HoursForm,
    NewHoursForm,
    PortfolioForm,
    ReportForm,
    RevokeReportForm,
)
from evc.participation.models import (
    EntryStatus,
    HoursEntry,
    ParticipationAgreement,
    ParticipationReport,
    Regime,
)
from evc.participation.report import regime_label, render_csv
from evc.participation.totals import hours_text, monthly, week_start, weekly
from evc.permissions import can, permission, public, require
from evc.procedure.views import load_organisation

bp = Blueprint("participation", __name__)
WEEKS_SHOWN = 8


def _actor() -> User:
    return current_user._get_current_object()


def _commit_and_mail() -> None:
    db.session.commit()
    send_pending()


def status_labels() -> dict:
    return {
        EntryStatus.PENDING: _("wacht op goedkeuring"),
        EntryStatus.APPROVED: _("goedgekeurd"),
        EntryStatus.DECLINED: _("afgewezen"),
    }


def load_agreement(agreement_id: int, rule: str) -> ParticipationAgreement:
    agreement = db.session.get(
        ParticipationAgreement,
        agreement_id,
        options=[
            joinedload(ParticipationAgreement.client),
            joinedload(ParticipationAgreement.host_organisation),
            joinedload(ParticipationAgreement.host_contact),
            joinedload(ParticipationAgreement.municipality),
            selectinload(ParticipationAgreement.exemptions),
        ],
    )
    if agreement is None:
        abort(404)
    require(rule, agreement)
    return agreement


def load_entry(entry_id: int, rule: str) -> HoursEntry:
    entry = db.session.get(
        HoursEntry,
        entry_id,
        options=[
            joinedload(HoursEntry.agreement).joinedload(ParticipationAgreement.client),
            joinedload(HoursEntry.agreement).selectinload(ParticipationAgreement.exemptions),
        ],
    )
    if entry is None:
        abort(404)
    require(rule, entry)
    return entry


def _entries(agreement: ParticipationAgreement) -> list[HoursEntry]:
    return list(
        db.session.scalars(
            select(HoursEntry)
            .where(HoursEntry.agreement_id == agreement.id)
            .order_by(HoursEntry.worked_on.desc(), HoursEntry.id.desc())
        )
    )


# --- the client ---------------------------------------------------------------------------


@bp.route("/participatie")
@permission("participation.own")
def own():
    """The client's agreements; with one agreement, straight to it."""
    agreements = db.session.scalars(
        select(ParticipationAgreement)
        .where(ParticipationAgreement.client_id == current_user.id)
        .options(joinedload(ParticipationAgreement.host_organisation))
        .order_by(ParticipationAgreement.starts_on.desc())
    ).all()
    if len(agreements) == 1:
        return redirect(url_for("participation.agreement", agreement_id=agreements[0].id))
    return render_template("participation/own.html", agreements=agreements)


@bp.route("/participatie/afspraken/<int:agreement_id>")
@permission("agreement.view", per_object=True)
def agreement(agreement_id: int):
    """The agreement with hours per week and month. The host contact sees work and hours."""
    item = load_agreement(agreement_id, "agreement.view")
    entries = _entries(item)
    today = date.today()
    private = can("agreement.view_private", item)
    reports = []
    if private:
        reports = db.session.scalars(
            select(ParticipationReport)
            .where(ParticipationReport.agreement_id == item.id)
            .order_by(ParticipationReport.id.desc())
        ).all()
    return render_template(
        "participation/agreement.html",
        agreement=item,
        entries=entries,
        months=list(reversed(monthly(item, entries, today))),
        weeks=list(reversed(weekly(item, entries, today)))[:WEEKS_SHOWN],
        private=private,
        reports=reports,
        shared=private and services.shared_with_case_managers(item),
        regime=regime_label(item.regime.value),
        status_labels=status_labels(),
        Status=EntryStatus,
        today=today,
    )


@bp.route("/participatie/afspraken/<int:agreement_id>/uren", methods=["GET", "POST"])
@permission("hours.log", per_object=True)
def log_hours(agreement_id: int):
    item = load_agreement(agreement_id, "hours.log")
    form = NewHoursForm()
    if request.method == "GET":
        form.worked_on.data = date.today() if item.covers(date.today()) else None
        form.activity.data = item.activity
    status = 200
    if form.validate_on_submit():
        try:
            consume_once(form)
            services.log_hours(item, form.entry(), actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Je uren zijn opgeslagen. Ze wachten nu op goedkeuring."), "success")
            return redirect(url_for("participation.agreement", agreement_id=item.id))
    elif request.method == "POST":
        status = 422
    return render_template("participation/hours.html", agreement=item, form=form), status


@bp.route("/participatie/uren/<int:entry_id>", methods=["GET", "POST"])
@permission("hours.edit", per_object=True)
def edit_entry(entry_id: int):
    entry = load_entry(entry_id, "hours.edit")
    back = url_for("participation.agreement", agreement_id=entry.agreement_id)
    if entry.status == EntryStatus.APPROVED:
        flash(_("Deze uren zijn al goedgekeurd. Je kunt ze niet meer veranderen."), "error")
        return redirect(back)
    form = HoursForm(obj=None)
    if request.method == "GET":
        form.worked_on.data, form.hours.data = entry.worked_on, entry.minutes
        form.activity.data, form.note.data = entry.activity, entry.note
        form.version_id.data = entry.version_id
    status = 200
    if form.validate_on_submit():
        try:
            services.update_entry(
                entry, form.entry(), version_id=form.version_id.data, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Je uren zijn aangepast. Ze wachten nu op goedkeuring."), "success")
            return redirect(back)
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "participation/hours.html", agreement=entry.agreement, form=form, entry=entry
        ),
        status,
    )


# --- the host contact -----------------------------------------------------------------------


def _host_agreement_ids(user: User):
    """Agreements where ``user`` is the contact, at a host where they are still a supervisor."""
    return select(ParticipationAgreement.id).where(
        ParticipationAgreement.host_contact_id == user.id,
        ParticipationAgreement.host_organisation_id.in_(user.organisation_ids(Role.SUPERVISOR)),
    )


@bp.route("/participatie/te-controleren")
@permission("participation.verify_queue")
def verify_queue():
    """Pending hours of the host contact's clients, by person and week (oldest first)."""
    entries = db.session.scalars(
        select(HoursEntry)
        .where(
            HoursEntry.status == EntryStatus.PENDING,
            HoursEntry.agreement_id.in_(_host_agreement_ids(current_user)),
        )
        .options(joinedload(HoursEntry.agreement).joinedload(ParticipationAgreement.client))
        .order_by(HoursEntry.agreement_id, HoursEntry.worked_on, HoursEntry.id)
    ).all()
    groups: OrderedDict = OrderedDict()
    for entry in entries:
        key = (entry.agreement_id, week_start(entry.worked_on))
        groups.setdefault(key, []).append(entry)
    return render_template(
        "participation/verify_queue.html", groups=groups, form=EmptyForm(), count=len(entries)
    )


@bp.route("/participatie/uren/<int:entry_id>/goedkeuren", methods=["POST"])
@permission("hours.verify", per_object=True)
def approve(entry_id: int):
    entry = load_entry(entry_id, "hours.verify")
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.approve_entry(entry, actor=_actor())
    _commit_and_mail()
    flash(_("De uren zijn goedgekeurd."), "success")
    return redirect(url_for("participation.verify_queue"))


@bp.route("/participatie/uren/<int:entry_id>/afwijzen", methods=["GET", "POST"])
@permission("hours.verify", per_object=True)
def decline(entry_id: int):
    entry = load_entry(entry_id, "hours.verify")
    form = DeclineForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.decline_entry(entry, form.reason.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De uren zijn afgewezen. De deelnemer krijgt een e-mail."), "success")
            return redirect(url_for("participation.verify_queue"))
    elif request.method == "POST":
        status = 422
    return render_template("participation/decline.html", entry=entry, form=form), status


@bp.route("/participatie/afspraken/<int:agreement_id>/weken/<monday>/goedkeuren", methods=["POST"])
@permission("hours.verify_week", per_object=True)
def approve_week(agreement_id: int, monday: str):
    item = load_agreement(agreement_id, "hours.verify_week")
    try:
        first = date.fromisoformat(monday)
    except ValueError:
        abort(404)
    if first.weekday() != 0 or not EmptyForm().validate_on_submit():
        abort(404 if first.weekday() != 0 else 400)
    try:
        count = services.approve_week(item, first, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("participation.verify_queue"))
    _commit_and_mail()
    flash(_("%(num)d keer uren goedgekeurd.", num=count), "success")
    return redirect(url_for("participation.verify_queue"))


# --- the coordinator ------------------------------------------------------------------------


@bp.route("/organisaties/<int:organisation_id>/participatie")
@permission("participation.manage", per_object=True)
def organisation(organisation_id: int):
    org = load_organisation(organisation_id, "participation.manage")
    agreements = db.session.scalars(
        select(ParticipationAgreement)
        .where(ParticipationAgreement.organisation_id == org.id)
        .options(
            joinedload(ParticipationAgreement.client),
            joinedload(ParticipationAgreement.host_organisation),
        )
        .order_by(ParticipationAgreement.starts_on.desc(), ParticipationAgreement.id.desc())
    ).all()
    return render_template(
        "participation/organisation.html", organisation=org, agreements=agreements
    )


def _municipality_names() -> list[str]:
    """Known municipalities, suggested while typing (the form also takes a new one)."""
    return [row.name for row in services.municipalities()]


def _fill_choices(form: AgreementForm, org: Organisation) -> None:
    clients = db.session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == org.id, Membership.role == Role.CLIENT)
        .order_by(User.display_name)
    ).all()
    hosts = db.session.scalars(
        select(Organisation)
        .where(Organisation.kind == OrganisationKind.HOST, Organisation.is_active.is_(True))
        .order_by(Organisation.name)
    ).all()
    contacts = db.session.execute(
        select(User, Organisation.name)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Organisation.kind == OrganisationKind.HOST, Membership.role == Role.SUPERVISOR)
        .order_by(User.display_name)
    ).all()
    choose = [(0, _("Kies…"))]
    form.client_id.choices = choose + [(u.id, u.display_name) for u in clients]
    form.host_organisation_id.choices = choose + [(h.id, h.name) for h in hosts]
    form.host_contact_id.choices = choose + [(u.id, f"{u.display_name} ({n})") for u, n in contacts]


@bp.route("/organisaties/<int:organisation_id>/participatie/nieuw", methods=["GET", "POST"])
@permission("participation.manage", per_object=True)
def new_agreement(organisation_id: int):
    org = load_organisation(organisation_id, "participation.manage")
    form = AgreementForm()
    _fill_choices(form, org)
    status = 200
    if form.validate_on_submit():
        try:
            item = services.create_agreement(org, form.terms(), actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De afspraak is vastgelegd."), "success")
            return redirect(url_for("participation.agreement", agreement_id=item.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "participation/agreement_form.html",
            form=form,
            organisation=org,
            municipalities=_municipality_names(),
        ),
        status,
    )


@bp.route("/participatie/afspraken/<int:agreement_id>/wijzigen", methods=["GET", "POST"])
@permission("agreement.edit", per_object=True)
def edit_agreement(agreement_id: int):
    item = load_agreement(agreement_id, "agreement.edit")
    form = AgreementForm()
    if request.method == "GET":
        form.municipality.data, form.client_reference.data = (
            item.municipality.name,
            item.client_reference,
        )
        form.regime.data, form.activity.data = item.regime.value, item.activity
        form.hours_min.data, form.hours_max.data = item.weekly_minutes_min, item.weekly_minutes_max
        form.starts_on.data, form.ends_on.data = item.starts_on, item.ends_on
        form.version_id.data = item.version_id
    # The people stay; only the terms change (a new host means a new agreement).
    for name in ("client_id", "host_organisation_id", "host_contact_id"):
        del form[name]
    status = 200
    if form.validate_on_submit():
        try:
            services.update_agreement(
                item, form.terms(), version_id=form.version_id.data, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De afspraak is aangepast."), "success")
            return redirect(url_for("participation.agreement", agreement_id=item.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "participation/agreement_form.html",
            form=form,
            agreement=item,
            municipalities=_municipality_names(),
        ),
        status,
    )


@bp.route("/participatie/afspraken/<int:agreement_id>/ontheffing", methods=["GET", "POST"])
@permission("agreement.edit", per_object=True)
def add_exemption(agreement_id: int):
    item = load_agreement(agreement_id, "agreement.edit")
    form = ExemptionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.add_exemption(
                item, form.starts_on.data, form.ends_on.data, form.reason.data or "", actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De ontheffing is vastgelegd."), "success")
            return redirect(url_for("participation.agreement", agreement_id=item.id))
    elif request.method == "POST":
        status = 422
    return render_template("participation/exemption.html", form=form, agreement=item), status


@bp.route("/participatie/afspraken/<int:agreement_id>/rapport", methods=["GET", "POST"])
@permission("participation_report.issue", per_object=True)
def issue_report(agreement_id: int):
    item = load_agreement(agreement_id, "participation_report.issue")
    form = ReportForm()
    if request.method == "GET":
        form.first_month.data = item.starts_on
        form.last_month.data = min(item.ends_on, date.today())
    status = 200
    if form.validate_on_submit():
        try:
            record = services.issue_report(
                item, form.first_month.data, form.last_month.data, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het rapport is gemaakt."), "success")
            return redirect(url_for("participation.report", report_id=record.id))
    elif request.method == "POST":
        status = 422
    return render_template("participation/issue_report.html", form=form, agreement=item), status


def load_report(report_id: int, rule: str = "participation_report.view") -> ParticipationReport:
    record = db.session.get(
        ParticipationReport,
        report_id,
        options=[
            joinedload(ParticipationReport.agreement).joinedload(
                ParticipationAgreement.organisation
            )
        ],
    )
    if record is None:
        abort(404)
    require(rule, record)
    return record


@bp.route("/participatie/rapporten/<int:report_id>")
@permission("participation_report.view", per_object=True)
def report(report_id: int):
    record = load_report(report_id)
    _note_read(record, "page")
    return render_template(
        "participation/report.html",
        report=record,
        data=record.data,
        regime=regime_label(record.data["regime"]),
        hours=hours_text,
    )


@bp.route("/participatie/rapporten/<int:report_id>/intrekken", methods=["GET", "POST"])
@permission("participation_report.revoke", per_object=True)
def revoke_report(report_id: int):
    record = load_report(report_id, "participation_report.revoke")
    if record.is_revoked:
        flash(_("Dit rapport is al ingetrokken."), "error")
        return redirect(url_for("participation.report", report_id=record.id))
    form = RevokeReportForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.revoke_report(record, form.reason.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het rapport is ingetrokken."), "success")
            return redirect(url_for("participation.report", report_id=record.id))
    elif request.method == "POST":
        status = 422
    return render_template("participation/revoke_report.html", form=form, report=record), status


def _download(body, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/participatie/rapporten/<int:report_id>/pdf")
@permission("participation_report.view", per_object=True)
def report_pdf(report_id: int):
    record = load_report(report_id)
    _note_read(record, "pdf")
    return _download(record.pdf, "application/pdf", f"{record.number}.pdf")


@bp.route("/participatie/rapporten/<int:report_id>/csv")
@permission("participation_report.view", per_object=True)
def report_csv(report_id: int):
    record = load_report(report_id)
    _note_read(record, "csv")
    return _download(render_csv(record.data), "text/csv; charset=utf-8", f"{record.number}.csv")


def _note_read(record: ParticipationReport, what: str) -> None:
    """A klantmanager's read lands in the organisation's log (who read which report when)."""
    if services.record_case_manager_read(record, _actor(), what):
        db.session.commit()


# --- the klantmanager of a municipality ---------------------------------------------------------


@bp.route("/gemeente/rapporten")
@permission("participation.case_manager")
def case_manager_reports():
    """The participation reports of the municipality's clients, newest first."""
    reference = (request.args.get("klantnummer") or "").strip()[:40]
    organisation_id = request.args.get("organisatie", type=int)
    page = max(request.args.get("pagina", 1, type=int) or 1, 1)
    rows, total, organisations = services.case_manager_reports(
        _actor(), reference=reference, organisation_id=organisation_id, page=page
    )
    pages = max((total + services.CASE_MANAGER_PAGE_SIZE - 1) // services.CASE_MANAGER_PAGE_SIZE, 1)
    municipalities = db.session.scalars(
        select(Organisation.name)
        .where(Organisation.id.in_(current_user.organisation_ids(Role.CASE_MANAGER)))
        .order_by(Organisation.name)
    ).all()
    return render_template(
        "participation/case_manager_reports.html",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        organisations=organisations,
        municipalities=municipalities,
        reference=reference,
        organisation_id=organisation_id,
        regimes={r.value: regime_label(r.value) for r in Regime},
    )


# --- public check -----------------------------------------------------------------------------


@bp.route("/participatie/controle", methods=["GET", "POST"])
@public
def check():
    """Anyone holding a report can check its number and, optionally, the file itself."""
    form = CheckForm()
    result, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data.read(20_000_000) if form.file.data else None
        try:
            result = services.check_report(form.number.data, upload, request.remote_addr or "")
        except services.CheckThrottled as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 429
        else:
            db.session.commit()
            if result["report"] is None:
                status = 404
    elif request.method == "POST":
        status = 422
    return render_template("participation/check.html", form=form, result=result), status


# --- with EVC-A ---------------------------------------------------------------------------------


@bp.route("/participatie/afspraken/<int:agreement_id>/portfolio", methods=["GET", "POST"])
@permission("participation.to_portfolio", per_object=True)
def to_portfolio(agreement_id: int):
    """Add the verified hours to the client's own EVC-A portfolio as evidence."""
    item = load_agreement(agreement_id, "participation.to_portfolio")
    trajectories = services.portfolio_trajectories(_actor())
    form = PortfolioForm()
    form.trajectory_id.choices = [(t.id, t.organisation.name) for t in trajectories]
    chosen = services.chosen_competencies(trajectories)
    form.competencies.choices = _competency_choices(trajectories, chosen)
    status = 200
    if form.validate_on_submit():
        trajectory = next((t for t in trajectories if t.id == form.trajectory_id.data), None)
        try:
            if trajectory is None:
                raise DomainError(_("Kies je traject."), field="trajectory_id")
            require("portfolio.add", trajectory)
            evidence = services.add_hours_to_portfolio(
                item, trajectory, form.competencies.data, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("De goedgekeurde uren staan nu in je portfolio."), "success")
            return redirect(url_for("portfolio.item", item_id=evidence.id))
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "participation/to_portfolio.html",
            form=form,
            agreement=item,
            trajectories=trajectories,
        ),
        status,
    )


def _competency_choices(trajectories, chosen: dict[int, list[str]]) -> list[tuple[str, str]]:
    from flask_babel import get_locale

    from evc.framework import current_framework

    language = str(get_locale() or "nl")
    choices: dict[str, str] = {}
    for trajectory in trajectories:
        framework = current_framework(trajectory.framework_id)
        for competency_id in chosen[trajectory.id]:
            choices[competency_id] = framework.competency(competency_id).name(language)
    return list(choices.items())


@bp.app_template_filter("month_label")
def month_label(value) -> str:
    from flask_babel import format_date

    return format_date(value, "MMMM yyyy") if value else ""
