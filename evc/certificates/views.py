"""Screens of the close of EVC-A: final interview, development plan, issuing, downloads,
revocation, and the public verification page and key. Each view: load → require → validate →
service → commit → flash → redirect.
"""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from evc.accounts.views import apply_form_error
from evc.certificates import issuing, services
from evc.certificates.forms import FinalInterviewForm, NumberForm, PlanForm, RevokeForm, UploadForm
from evc.certificates.keys import public_jwk
from evc.certificates.models import Certificate, FinalInterview
from evc.errors import ConcurrentEdit, DomainError, render_error
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.framework import current_framework
from evc.mail import send_pending
from evc.permissions import can, permission, public, require
from evc.portfolio.files import content_disposition
from evc.procedure.models import Trajectory
from evc.procedure.phases import Phase
from evc.procedure.views import load_trajectory, refuse

bp = Blueprint("certificates", __name__)


def _actor():
    return current_user._get_current_object()


def _language() -> str:
    return str(get_locale() or "nl")


def _commit_and_mail() -> None:
    db.session.commit()
    send_pending()


def _back(trajectory: Trajectory):
    return redirect(url_for("procedure.trajectory", trajectory_id=trajectory.id) + "#closing")


# --- final interview ---------------------------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/eindgesprek", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def final_interview(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("final_interview.record", item):
        return refuse(
            item, _("Alleen de begeleider legt het eindgesprek vast, in de fase eindgesprek.")
        )
    interview = services.final_interview_of(item)
    form = FinalInterviewForm(obj=interview)
    status, conflict = 200, None
    if form.validate_on_submit():
        data = {n: getattr(form, n).data for n in ("held_on", "discussed", "volunteer_reaction")}
        try:
            services.record_final_interview(
                item, data, version_id=form.version_id.data or None, actor=_actor()
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
            if isinstance(error, ConcurrentEdit):
                status, conflict = 409, _saved_interview(form, item)
        else:
            _commit_and_mail()
            flash(_("Het eindgesprek is opgeslagen."), "success")
            return _back(item)
    elif form.is_submitted():
        status = 422
    if request.method == "GET" and interview is not None:
        form.version_id.data = interview.version_id
    return render_template(
        "certificates/final_interview.html", form=form, trajectory=item, conflict=conflict
    ), status


def _saved_interview(form, trajectory: Trajectory):
    current = db.session.get(
        FinalInterview,
        getattr(services.final_interview_of(trajectory), "id", 0),
        populate_existing=True,
    )
    if current is not None:
        form.version_id.data = current.version_id
        form.version_id.raw_data = [str(current.version_id)]
    return current


# --- development plan --------------------------------------------------------------------------


def _competency_choices(trajectory: Trajectory) -> list[tuple[str, str]]:
    framework = current_framework(trajectory.framework_id)
    language = _language()
    return [("", _("Geen (een algemeen doel)"))] + [
        (cid, framework.competency(cid).name(language)) for cid in trajectory.progress.chosen
    ]


def _plan_form(trajectory: Trajectory, plan) -> PlanForm:
    if request.method == "POST":
        form = PlanForm()
    else:
        goals = list(plan.goals) if plan else services.prefilled_goals(trajectory)
        rows = [
            g
            | {
                "target_date": date.fromisoformat(g["target_date"])
                if g.get("target_date")
                else None
            }
            for g in goals
        ]
        form = PlanForm(data={"goals": rows + [{}]})
        form.version_id.data = plan.version_id if plan else None
    for entry in form.goals:
        entry.form.competency_id.choices = _competency_choices(trajectory)
    return form


def _plan_error(form: PlanForm, error: DomainError) -> None:
    """Show an error about one goal (field ``goals-<n>-<name>``) next to that goal's field."""
    parts = (error.field or "").split("-")
    if len(parts) == 3 and parts[0] == "goals" and parts[1].isdigit():
        index = int(parts[1])
        if index < len(form.goals.entries):
            field = getattr(form.goals.entries[index].form, parts[2], None)
            if field is not None:
                field.errors = [*field.errors, error.message]
    apply_form_error(form, error)  # also in the summary at the top


@bp.route("/trajecten/<int:trajectory_id>/ontwikkelplan", methods=["GET", "POST"])
@permission("trajectory.view", per_object=True)
def plan(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("development_plan.edit", item):
        return refuse(
            item, _("Alleen de begeleider schrijft het ontwikkelplan, na de beoordeling.")
        )
    current = services.current_plan(item)
    form = _plan_form(item, current)
    status = 200
    if form.validate_on_submit():
        rows = [entry.form.data for entry in form.goals]
        try:
            services.save_plan(item, rows, version_id=form.version_id.data or None, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            _plan_error(form, error)
            status = 409 if isinstance(error, ConcurrentEdit) else 422
        else:
            _commit_and_mail()
            flash(
                _("Het ontwikkelplan is opgeslagen. Bevestig het nu allebei."),
                "success",
            )
            return _back(item)
    elif form.is_submitted():
        status = 422
    return render_template(
        "certificates/plan.html", form=form, trajectory=item, plan=current
    ), status


@bp.route("/trajecten/<int:trajectory_id>/ontwikkelplan/bevestigen", methods=["POST"])
@permission("trajectory.view", per_object=True)
def confirm_plan(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("development_plan.confirm", item):
        return refuse(item, _("Alleen de vrijwilliger en de begeleider bevestigen het plan."))
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.confirm_plan(item, number=request.form.get("number", type=int), actor=_actor())
    except DomainError as error:
        db.session.rollback()
        return refuse(item, error.message)
    _commit_and_mail()
    flash(_("Je hebt het ontwikkelplan bevestigd."), "success")
    return _back(item)


# --- the certificate ---------------------------------------------------------------------------


@bp.route("/trajecten/<int:trajectory_id>/bewijs-van-deelname", methods=["POST"])
@permission("trajectory.view", per_object=True)
def issue(trajectory_id: int):
    item = load_trajectory(trajectory_id)
    if not can("certificate.issue", item):
        return refuse(item, _("Alleen de begeleider geeft het bewijs van deelname uit."))
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        issuing.issue_certificate(item, actor=_actor())
    except DomainError as error:
        db.session.rollback()
        return refuse(item, error.message)
    _commit_and_mail()
    flash(
        _(
            "Het bewijs van deelname is uitgegeven. %(name)s krijgt een e-mail.",
            name=item.volunteer.display_name,
        ),
        "success",
    )
    return _back(item)


def load_certificate(certificate_id: int, rule: str) -> Certificate:
    certificate = db.session.get(
        Certificate,
        certificate_id,
        options=[joinedload(Certificate.trajectory), joinedload(Certificate.organisation)],
    )
    if certificate is None:
        abort(404)
    require(rule, certificate)
    return certificate


def _attachment(body: bytes | str, mimetype: str, name: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/certificaten/<int:certificate_id>/pdf")
@permission("certificate.download", per_object=True)
def download(certificate_id: int):
    """The stored bytes, exactly as issued."""
    certificate = load_certificate(certificate_id, "certificate.download")
    return _attachment(
        certificate.pdf, "application/pdf", f"Bewijs van deelname {certificate.number}.pdf"
    )


@bp.route("/certificaten/<int:certificate_id>/badge")
@permission("certificate.badge", per_object=True)
def download_badge(certificate_id: int):
    """The signed Open Badges 3.0 credential (VC-JWT)."""
    certificate = load_certificate(certificate_id, "certificate.badge")
    try:
        token = issuing.badge_token(certificate)
    except DomainError as error:
        return refuse(certificate.trajectory, error.message)
    return _attachment(token, "application/vc+jwt", f"Open Badge {certificate.number}.jwt")


@bp.route("/certificaten/<int:certificate_id>/intrekken", methods=["GET", "POST"])
@permission("certificate.revoke", per_object=True)
def revoke(certificate_id: int):
    certificate = load_certificate(certificate_id, "certificate.revoke")
    if certificate.is_revoked:
        return refuse(certificate.trajectory, _("Dit bewijs van deelname is al ingetrokken."))
    form = RevokeForm()
    status = 200
    if form.validate_on_submit():
        try:
            issuing.revoke(certificate, form.reason.data, actor=_actor())
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            _commit_and_mail()
            flash(_("Het bewijs van deelname is ingetrokken."), "success")
            return _back(certificate.trajectory)
    elif form.is_submitted():
        status = 422
    return render_template("certificates/revoke.html", form=form, certificate=certificate), status


# --- public: verification and the signing key ---------------------------------------------------


def _throttled():
    try:
        issuing.count_attempt(request.remote_addr or "")
    except issuing.VerificationThrottled:
        db.session.rollback()
        return True
    db.session.commit()  # the attempt counts, also when nothing is found
    return False


def _result_page(result, number_form, upload_form, status=200, searched=False):
    view = issuing.public_view(result, _language()) if result else None
    return render_template(
        "certificates/verify.html",
        result=view,
        searched=searched,
        number_form=number_form,
        upload_form=upload_form,
    ), status


@bp.route("/controleren", methods=["GET", "POST"])
@public
def verify():
    """Check a certificate by its number (GET ?nummer=) or by uploading the PDF (POST)."""
    number_form = NumberForm(request.args)
    upload_form = UploadForm()
    if request.method == "POST":
        if (request.content_length or 0) > request_limit() + 64 * 1024:
            # Refused before the body is read: a clear message instead of a parse of megabytes.
            apply_form_error(upload_form, issuing.too_large(request_limit()))
            return _result_page(None, NumberForm(), upload_form, 413)
        if not upload_form.validate_on_submit():
            return _result_page(None, NumberForm(), upload_form, 400)
        if _throttled():
            return render_error(429)
        upload = request.files.get("file")
        try:
            found = issuing.find_by_pdf(
                upload.stream if upload else _empty(),
                request_limit(),
            )
        except DomainError as error:
            apply_form_error(upload_form, error)
            return _result_page(None, NumberForm(), upload_form, 422)
        return _result_page(found, NumberForm(), upload_form, searched=True)
    if "nummer" not in request.args:
        return _result_page(None, NumberForm(), upload_form)
    if not number_form.validate():
        return _result_page(None, number_form, upload_form, 422)
    if _throttled():
        return render_error(429)
    found = issuing.find_by_number(number_form.nummer.data)
    return _result_page(found, number_form, upload_form, searched=True)


def _empty():
    import io

    return io.BytesIO(b"")


def request_limit() -> int:
    return current_app.config["VERIFY_MAX_UPLOAD_BYTES"]


@bp.route("/controleren/<number>")
@public
def verify_number(number: str):
    """Where the QR code on the certificate leads."""
    if _throttled():
        return render_error(429)
    found = issuing.find_by_number(number)
    return _result_page(found, NumberForm(data={"nummer": number}), UploadForm(), searched=True)


@bp.route("/organisaties/<int:organisation_id>/sleutel.json")
@public
def public_key(organisation_id: int):
    """The organisation's public signing key (JWK Set) for checking its Open Badges."""
    from evc.accounts.models import Organisation

    organisation = db.session.get(Organisation, organisation_id)
    has_certificates = organisation is not None and db.session.scalar(
        select(Certificate.id).where(Certificate.organisation_id == organisation_id).limit(1)
    )
    if not has_certificates:
        abort(404)  # no key is made (or shown) for an organisation that never issued
    return jsonify(
        {
            "id": issuing.key_url(organisation_id),
            "type": "Profile",
            "name": organisation.name,
            "keys": [public_jwk(organisation_id, issuing.badge.KEY_ID)],
        }
    )


# --- on the trajectory page ----------------------------------------------------------------------


def trajectory_section(trajectory: Trajectory) -> dict | None:
    """The final interview, the plan and the certificate, from the final interview on."""
    if trajectory.phase not in (Phase.FINAL_INTERVIEW, Phase.COMPLETED):
        return None
    certificate = issuing.certificate_of(trajectory)
    if trajectory.phase == Phase.COMPLETED and certificate is None:
        return None  # completed before certificates existed
    plan = services.current_plan(trajectory)
    framework = current_framework(trajectory.framework_id)
    return {
        "template": "certificates/_trajectory_section.html",
        "interview": services.final_interview_of(trajectory),
        "plan": plan,
        "goals": [
            issuing.readable_goal(g, framework, _language()) for g in (plan.goals if plan else [])
        ],
        "certificate": certificate,
        "issue_problems": issuing.issue_problems(trajectory) if certificate is None else [],
        "is_volunteer": current_user.id == trajectory.volunteer_id,
        "is_supervisor": current_user.id == trajectory.supervisor_id,
    }


def init_app(app) -> None:
    from evc.procedure.views import register_trajectory_section

    register_trajectory_section(app, trajectory_section)
