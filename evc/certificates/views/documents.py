"""The issued certificate as its stored PDF and as an Open Badge, and revoking it."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from evc.certificates import issuing
from evc.certificates.forms import RevokeForm
from evc.certificates.loaders import CERTIFICATE, closing_url
from evc.certificates.models import Certificate
from evc.certificates.views.blueprint import bp
from evc.formfields import filled
from evc.portfolio.filenames import content_disposition
from evc.procedure.loaders import trajectory_url
from evc.web import actor, attempt, done, page, permission, refuse, save


def _attachment(body: bytes | str, mimetype: str, name: str):
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/certificaten/<int:certificate_id>/pdf")
@permission("certificate.download", CERTIFICATE)
def download(certificate: Certificate):
    """The stored bytes, exactly as issued."""
    name = f"Bewijs van deelname {certificate.number}.pdf"
    return _attachment(certificate.pdf, "application/pdf", name)


@bp.route("/certificaten/<int:certificate_id>/badge")
@permission("certificate.badge", CERTIFICATE)
def download_badge(certificate: Certificate):
    """The signed Open Badges 3.0 credential (VC-JWT)."""
    name = f"Open Badge {certificate.number}.jwt"
    return attempt(
        lambda: _attachment(issuing.badge_token(certificate), "application/vc+jwt", name),
        lambda error: refuse(error.message, trajectory_url(certificate.trajectory)),
    )


@bp.route("/certificaten/<int:certificate_id>/intrekken", methods=["GET", "POST"])
@permission("certificate.revoke", CERTIFICATE)
def revoke(certificate: Certificate):
    if certificate.is_revoked:
        message = _l("Dit bewijs van deelname is al ingetrokken.")
        return refuse(message, trajectory_url(certificate.trajectory))
    form = RevokeForm()

    def action():
        issuing.revoke(certificate, filled(form.reason.data), actor=actor())
        message = _("Het bewijs van deelname is ingetrokken.")
        return done(closing_url(certificate.trajectory), message)

    return save(form, action, page("certificates/revoke.html", form=form, certificate=certificate))
