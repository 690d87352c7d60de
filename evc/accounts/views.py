"""Login, logout, invitations, password reset, own password and language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evc.accounts import services
from evc.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from evc.accounts.models import TokenPurpose
from evc.errors import DomainError
from evc.extensions import db
from evc.formfields import EmptyForm
from evc.mail import send_pending
from evc.permissions import permission, public

bp = Blueprint("accounts", __name__)

SESSION_KEY = "sid"


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def log_in(user) -> None:
    chosen = session.get("lang")
    if chosen:  # a language picked on the login page is what the person wants from now on
        services.set_language(user, chosen)
    token = services.start_session(user)
    db.session.commit()
    session.clear()  # a fresh cookie: nothing else from before the login is carried over
    session[SESSION_KEY] = token
    session.permanent = True


def apply_form_error(form, error: DomainError) -> None:
    """Show a DomainError next to its field (or at the top when it has none)."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, request.remote_addr or ""
            )
        except DomainError as error:
            db.session.commit()  # the failed attempt counts, also across workers
            form.form_errors.append(error.message)
            status = 429 if isinstance(error, services.LoginThrottled) else 401
        else:
            log_in(user)
            return redirect(safe_next(request.args.get("next")) or url_for("core.dashboard"))
    elif form.is_submitted():
        status = 400 if form.csrf_token.errors else 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@permission("account.manage_own")
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        services.end_session(session.get(SESSION_KEY), current_user._get_current_object())
        db.session.commit()
        session.clear()
        flash(_("Je bent uitgelogd."), "success")
        response = redirect(url_for("accounts.login"))
        response.headers["Clear-Site-Data"] = '"cache", "storage"'
        return response
    return redirect(url_for("core.dashboard"))


def _token_page(token: str, purpose: TokenPurpose, template: str, accept, done_message: str):
    """Invitation and reset links: a valid single-use token lets one set a password."""
    record = services.find_valid_token(token, purpose)
    if record is None:
        return render_template("accounts/link_invalid.html", purpose=purpose.value), 410
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accept(record, form.password.data)
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            db.session.commit()
            log_in(user)
            flash(done_message, "success")
            return redirect(url_for("core.dashboard"))
    elif form.is_submitted():
        status = 422
    return render_template(template, form=form, user=record.user), status


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    if current_user.is_authenticated:
        services.end_session(session.get(SESSION_KEY), current_user._get_current_object())
        db.session.commit()
        session.clear()
    return _token_page(
        token,
        TokenPurpose.INVITATION,
        "accounts/accept_invitation.html",
        services.accept_invitation,
        _("Welkom! Je wachtwoord is ingesteld en je bent ingelogd."),
    )


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        send_pending()
        return render_template("accounts/forgot_password_sent.html")
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/forgot_password.html", form=form), status


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _token_page(
        token,
        TokenPurpose.PASSWORD_RESET,
        "accounts/reset_password.html",
        services.reset_password,
        _("Je nieuwe wachtwoord is ingesteld. Je bent op andere apparaten uitgelogd."),
    )


@bp.route("/account", methods=["GET", "POST"])
@permission("account.manage_own")
def account():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user._get_current_object(),
                form.current_password.data,
                form.password.data,
                keep_token=session.get(SESSION_KEY),
            )
        except DomainError as error:
            db.session.rollback()
            apply_form_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("Je wachtwoord is gewijzigd. Op andere apparaten ben je uitgelogd."), "success")
            return redirect(url_for("accounts.account"))
    elif form.is_submitted():
        status = 422
    return render_template("accounts/account.html", form=form), status


@bp.route("/taal", methods=["POST"])
@public
def set_language():
    """Switch the language; for a logged-in person it is stored with the account."""
    form = LanguageForm()
    if form.validate_on_submit():
        language = form.language.data
        if current_user.is_authenticated:
            services.set_language(current_user._get_current_object(), language)
            db.session.commit()
        session["lang"] = language
    return redirect(safe_next(request.form.get("next")) or url_for("core.index"))


def init_login(app) -> None:
    from evc.extensions import login_manager

    login_manager.init_app(app)
    login_manager.session_protection = None  # sessions are checked server-side instead
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None

    @login_manager.request_loader
    def load_from_session(_request):
        return services.user_for_session(session.get(SESSION_KEY))

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.method == "GET":
            flash(_("Log in om verder te gaan."), "info")
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        return redirect(url_for("accounts.login"))
