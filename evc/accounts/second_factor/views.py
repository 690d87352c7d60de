"""The screens of the second factor: the login's code step, setting up an app (during the login
for someone who must, or from the account page), the recovery codes, switching it off, and the
"confirm it's you" page that ``@fresh_login`` sends people to."""

from __future__ import annotations

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evc.accounts import devices, reauth
from evc.accounts.models import User
from evc.accounts.second_factor import login, services, steps
from evc.accounts.second_factor.forms import (
    CodeForm,
    ConfirmCodeForm,
    ConfirmPasswordForm,
    EnrolForm,
)
from evc.accounts.services import LoginThrottled
from evc.accounts.views import log_in, safe_next
from evc.formfields import filled
from evc.qr import qr_data_uri
from evc.web import actor, apply_form_error, commit, done, page, permission, press, public, save

bp = Blueprint("second_factor", __name__)


def _form_status(form) -> int:
    """200 for a first look, 400 for a stale form, 422 for one filled in wrongly."""
    if not form.is_submitted():
        return 200
    return 400 if form.csrf_token.errors else 422


def _refused(view, form, refusal) -> tuple:
    commit()  # the failed attempt counts, also across workers
    apply_form_error(form, refusal)
    return view.render(429 if isinstance(refusal, LoginThrottled) else 401)


def _login_again():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    flash(_("Je inlogpoging is verlopen. Log opnieuw in."), "info")
    return redirect(url_for("accounts.login"))


def _finish_login(user: User) -> str:
    """The second step is done: the pending login becomes a session."""
    target = steps.end_pending_login()
    log_in(user)
    return target


def _known_browser(response, user: User):
    """After the whole login this browser is known for the account (its device cookie)."""
    response = make_response(response)
    devices.remember(response, user.email)
    return response


def _enrol_page(user: User, form: EnrolForm, *, during_login: bool):
    """The page that sets up an app. Its secret is stored from the first look (encrypted), so
    a reload shows the same QR code."""
    credential = services.pending_credential(user)
    commit()
    secret = services.secret_of(credential)
    return page(
        "accounts/second_factor/enrol.html",
        form=form,
        qr=qr_data_uri(services.provisioning_uri(user, credential)),
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        required=services.second_factor_required(user),
        during_login=during_login,
    )


def _codes_page(codes: list[str], target: str):
    return page("accounts/second_factor/recovery_codes.html", codes=codes, target=target)


# --- the login's second step -------------------------------------------------------------------


@bp.route("/login/code", methods=["GET", "POST"])
@public
def code():
    user = steps.pending_user()
    if user is None:
        return _login_again()
    if not services.has_second_factor(user):  # removed since the password step
        return redirect(url_for(".enrol"))
    form = CodeForm()
    view = page("accounts/second_factor/code.html", form=form)
    if not form.validate_on_submit():
        return view.render(_form_status(form))
    address, device = request.remote_addr or "", devices.device_of(user.email)
    refusal = login.attempt_code(user, filled(form.code.data), address, device)
    if refusal is not None:
        return _refused(view, form, refusal)
    target = _finish_login(user)
    commit()
    return _known_browser(redirect(target), user)


@bp.route("/login/code-instellen", methods=["GET", "POST"])
@public
def enrol():
    """Someone who must have a second factor and has none sets it up before anything else."""
    user = steps.pending_user()
    if user is None:
        return _login_again()
    if services.has_second_factor(user):
        return redirect(url_for(".code"))
    form = EnrolForm()

    def action():
        codes = services.confirm_enrolment(user, filled(form.code.data), actor=user)
        return _known_browser(_codes_page(codes, _finish_login(user)).render(), user)

    return save(form, action, _enrol_page(user, form, during_login=True))


# --- the account's settings ----------------------------------------------------------------------


def _account_url() -> str:
    return url_for("accounts.account")


@bp.route("/account/code-instellen", methods=["GET", "POST"])
@permission("account.manage_own")
@reauth.fresh_login
def set_up():
    """Turn the second factor on, or move it to a new phone (the old app stops working)."""
    user = actor()
    form = EnrolForm()

    def action():
        codes = services.confirm_enrolment(user, filled(form.code.data), actor=user)
        return _codes_page(codes, _account_url()).render()

    return save(form, action, _enrol_page(user, form, during_login=False))


@bp.route("/account/herstelcodes", methods=["POST"])
@permission("account.manage_own")
@reauth.fresh_login
def renew_codes():
    def action():
        codes = services.renew_recovery_codes(actor(), actor=actor())
        return _codes_page(codes, _account_url()).render()

    return press(action, _account_url())


@bp.route("/account/code-uitzetten", methods=["POST"])
@permission("account.manage_own")
@reauth.fresh_login
def turn_off():
    def action():
        services.turn_off(actor(), actor=actor())
        return done(_account_url(), _("Inloggen met een code staat nu uit."))

    return press(action, _account_url())


# --- confirm it's you --------------------------------------------------------------------------


@bp.route("/bevestigen", methods=["GET", "POST"])
@permission("account.manage_own")
def confirm():
    """A password or a code makes the login fresh again; then back to where the person was."""
    target = safe_next(request.args.get("next")) or url_for("core.dashboard")
    password_form, code_form = ConfirmPasswordForm(), ConfirmCodeForm()
    posted = code_form if "code" in request.form else password_form
    view = page(
        "accounts/second_factor/confirm.html",
        password_form=password_form,
        code_form=code_form,
        has_code=services.has_second_factor(actor()),
    )
    if not posted.validate_on_submit():
        return view.render(_form_status(posted))
    refusal = reauth.confirm_identity(
        actor(),
        password=filled(password_form.password.data) if posted is password_form else "",
        code=filled(code_form.code.data) if posted is code_form else "",
        address=request.remote_addr or "",
    )
    if refusal is not None:
        return _refused(view, posted, refusal)
    commit()
    return redirect(target)
