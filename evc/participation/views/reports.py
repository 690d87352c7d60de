"""The municipality's participation report: the coordinator issues and revokes it; the client,
the coordinator and (when shared) the klantmanager read it; anyone can check one."""

from __future__ import annotations

from datetime import date

from flask import Response, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.formfields import filled
from evc.participation import services
from evc.participation.forms import CheckForm, ReportForm, RevokeReportForm
from evc.participation.loaders import AGREEMENT, REPORT, REPORT_TO_REVOKE, report_url
from evc.participation.models import ParticipationAgreement, ParticipationReport
from evc.participation.report import regime_label, render_csv
from evc.participation.totals import hours_text
from evc.participation.views.blueprint import bp
from evc.web import actor, apply_form_error, commit, done, page, permission, public, save


@bp.route("/participatie/afspraken/<int:agreement_id>/rapport", methods=["GET", "POST"])
@permission("participation_report.issue", AGREEMENT)
def issue_report(item: ParticipationAgreement):
    form = ReportForm()
    if not form.is_submitted():
        form.first_month.data = item.starts_on
        form.last_month.data = min(item.ends_on, date.today())
    view = page("participation/issue_report.html", form=form, agreement=item)
    return save(form, lambda: _issue(item, form), view)


def _issue(item: ParticipationAgreement, form: ReportForm):
    months = filled(form.first_month.data), filled(form.last_month.data)
    record = services.issue_report(item, *months, actor=actor())
    return done(report_url(record), _("Het rapport is gemaakt."))


@bp.route("/participatie/rapporten/<int:report_id>")
@permission("participation_report.view", REPORT)
def report(record: ParticipationReport):
    _note_read(record, "page")
    return page(
        "participation/report.html",
        report=record,
        data=record.data,
        regime=regime_label(record.data["regime"]),
        hours=hours_text,
    ).render()


@bp.route("/participatie/rapporten/<int:report_id>/intrekken", methods=["GET", "POST"])
@permission(
    "participation_report.revoke_valid",
    REPORT_TO_REVOKE,
    refusal=_l("Dit rapport is al ingetrokken."),
)
def revoke_report(record: ParticipationReport):
    form = RevokeReportForm()

    def action():
        services.revoke_report(record, filled(form.reason.data), actor=actor())
        return done(report_url(record), _("Het rapport is ingetrokken."))

    return save(form, action, page("participation/revoke_report.html", form=form, report=record))


@bp.route("/participatie/rapporten/<int:report_id>/pdf")
@permission("participation_report.view", REPORT)
def report_pdf(record: ParticipationReport):
    _note_read(record, "pdf")
    return _download(record.pdf, "application/pdf", f"{record.number}.pdf")


@bp.route("/participatie/rapporten/<int:report_id>/csv")
@permission("participation_report.view", REPORT)
def report_csv(record: ParticipationReport):
    _note_read(record, "csv")
    return _download(render_csv(record.data), "text/csv; charset=utf-8", f"{record.number}.csv")


def _download(body, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _note_read(record: ParticipationReport, what: str) -> None:
    """A klantmanager's read lands in the organisation's log (who read which report when)."""
    if services.record_case_manager_read(record, actor(), what):
        commit()


# --- public check -----------------------------------------------------------------------------


@bp.route("/participatie/controle", methods=["GET", "POST"])
@public
def check():
    """Anyone holding a report can check its number and, optionally, the file itself. Too many
    checks from one address are refused with 429, so that numbers cannot be guessed."""
    form = CheckForm()
    view = page("participation/check.html", form=form)
    if not form.validate_on_submit():
        return view.render(422 if form.is_submitted() else 200, result=None)
    upload = form.file.data.read(20_000_000) if form.file.data else None
    try:
        result = services.check_report(filled(form.number.data), upload, request.remote_addr or "")
    except services.CheckThrottled as error:
        apply_form_error(form, error)
        return view.render(429, result=None)
    commit()
    return view.render(404 if result["report"] is None else 200, result=result)
