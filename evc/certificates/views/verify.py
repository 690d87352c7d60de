"""Public: checking a certificate by its number or its PDF (throttled), and the organisation's
signing key for checking its badges."""

from __future__ import annotations

import io

from flask import abort, current_app, jsonify, request

from evc.accounts.models import Organisation
from evc.certificates import checking
from evc.certificates.forms import NumberForm, UploadForm
from evc.certificates.views.blueprint import bp
from evc.errors import render_error
from evc.extensions import db
from evc.formfields import filled
from evc.framework import page_language
from evc.web import apply_form_error, attempt, page, public


def _throttled() -> bool:
    """Count this attempt (also when nothing is found); True when there were too many."""
    try:
        checking.count_attempt(request.remote_addr or "")
    except checking.VerificationThrottled:
        db.session.rollback()
        return True
    db.session.commit()
    return False


def _result_page(result, number_form, upload_form, status=200, searched=False):
    return page(
        "certificates/verify.html",
        result=checking.public_view(result, page_language()) if result else None,
        searched=searched,
        number_form=number_form,
        upload_form=upload_form,
    ).render(status)


def request_limit() -> int:
    return current_app.config["VERIFY_MAX_UPLOAD_BYTES"]


def _search_by_pdf(upload_form: UploadForm):
    upload = request.files.get("file")
    found = checking.find_by_pdf(upload.stream if upload else io.BytesIO(b""), request_limit())
    return _result_page(found, NumberForm(), upload_form, searched=True)


def _refused_upload(upload_form: UploadForm, error, status: int):
    apply_form_error(upload_form, error)
    return _result_page(None, NumberForm(), upload_form, status)


def _verify_upload(upload_form: UploadForm):
    if (request.content_length or 0) > request_limit() + 64 * 1024:
        # Refused before the body is read: a clear message instead of a parse of megabytes.
        return _refused_upload(upload_form, checking.too_large(request_limit()), 413)
    if not upload_form.validate_on_submit():
        return _result_page(None, NumberForm(), upload_form, 400)
    if _throttled():
        return render_error(429)
    return attempt(
        lambda: _search_by_pdf(upload_form),
        lambda error: _refused_upload(upload_form, error, 422),
    )


def _verify_number(number_form: NumberForm, upload_form: UploadForm):
    if "nummer" not in request.args:
        return _result_page(None, NumberForm(), upload_form)
    if not number_form.validate():
        return _result_page(None, number_form, upload_form, 422)
    if _throttled():
        return render_error(429)
    found = checking.find_by_number(filled(number_form.nummer.data))
    return _result_page(found, number_form, upload_form, searched=True)


@bp.route("/controleren", methods=["GET", "POST"])
@public
def verify():
    """Check a certificate by its number (GET ?nummer=) or by uploading the PDF (POST)."""
    upload_form = UploadForm()
    if request.method == "POST":
        return _verify_upload(upload_form)
    return _verify_number(NumberForm(request.args), upload_form)


@bp.route("/controleren/<number>")
@public
def verify_number(number: str):
    """Where the QR code on the certificate leads."""
    if _throttled():
        return render_error(429)
    found = checking.find_by_number(number)
    return _result_page(found, NumberForm(data={"nummer": number}), UploadForm(), searched=True)


@bp.route("/organisaties/<int:organisation_id>/sleutel.json")
@public
def public_key(organisation_id: int):
    """The organisation's public signing key (JWK Set) for checking its Open Badges."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None or not checking.has_issued(organisation):
        abort(404)  # no key is made (or shown) for an organisation that never issued
    return jsonify(checking.issuer_profile(organisation))
