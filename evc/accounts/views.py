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
from evc.accounts.reauth import SESSION_KEY, fresh_login
from evc.accounts.second_factor.services import factor_status
from evc.accounts.second_factor.steps import second_step
from evc.formfields import EmptyForm, filled
from evc.web import (
    actor,
    apply_form_error,  # noqa: F401  (still imported from here by other domains)
    commit,
    done,
    page,
    permission,
    public,
    save,
)

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str | None:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc else target


def log_in(user) -> None:
    """Open a session for ``user`` with a fresh cookie; the caller commits."""
    chosen = session.get("lang")
    if chosen:  # a language picked on the login page is what the person wants from now on
        services.set_language(user, chosen)
    token = services.start_session(user)
    session.clear()  # a fresh cookie: nothing else from before the login is carried over
    session[SESSION_KEY] = token
    session.permanent = True


def enter(user, target: str, message=None):
    """After a right password: a session, or first the second step (a code, or setting up an
    app for someone who must have one)."""
    step = second_step(user, target)
    if step is not None:
        return done(step)
    log_in(user)
    return done(target, message)


def _log_out() -> None:
    services.end_session(session.get(SESSION_KEY), actor())
    commit()
    session.clear()


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    view = page("accounts/login.html", form=form)
    if not form.validate_on_submit():
        invalid = 400 if form.csrf_token.errors else 422
        return view.render(invalid if form.is_submitted() else 200)
    user, refusal = services.attempt_login(
        filled(form.email.data), filled(form.password.data), request.remote_addr or ""
    )
    if refusal is not None:
        commit()  # the failed attempt counts, also across workers
        form.form_errors.append(refusal.message)
        return view.render(429 if isinstance(refusal, services.LoginThrottled) else 401)
    result = enter(user, safe_next(request.args.get("next")) or url_for("core.dashboard"))
    commit()
    return result.respond()


@bp.route("/logout", methods=["POST"])
@permission("account.manage_own")
def logout():
    if not EmptyForm().validate_on_submit():
        return redirect(url_for("core.dashboard"))
    _log_out()
    flash(_("Je bent uitgelogd."), "success")
    response = redirect(url_for("accounts.login"))
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


def _token_page(token: str, purpose: TokenPurpose, template: str, accept, done_message: str):
    """Invitation and reset links: a valid single-use token lets one set a password."""
    record = services.find_valid_token(token, purpose)
    if record is None:
        return render_template("accounts/link_invalid.html", purpose=purpose.value), 410
    form = SetPasswordForm()

    def action():
        return enter(accept(record, form.password.data), url_for("core.dashboard"), done_message)

    return save(form, action, page(template, form=form, user=record.user))


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    if current_user.is_authenticated:
        _log_out()
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

    def action():
        services.request_password_reset(filled(form.email.data))
        return render_template("accounts/forgot_password_sent.html")

    return save(form, action, page("accounts/forgot_password.html", form=form))


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
@fresh_login
def account():
    form = ChangePasswordForm()

    def action():
        services.change_password(
            actor(),
            filled(form.current_password.data),
            filled(form.password.data),
            keep_token=session.get(SESSION_KEY),
        )
        message = _("Je wachtwoord is gewijzigd. Op andere apparaten ben je uitgelogd.")
        return done(url_for("accounts.account"), message)

    view = page("accounts/account.html", form=form, second_factor=factor_status(actor()))
    return save(form, action, view)


@bp.route("/taal", methods=["POST"])
@public
def set_language():
    """Switch the language; for a logged-in person it is stored with the account."""
    form = LanguageForm()
    if form.validate_on_submit():
        language = form.language.data
        if current_user.is_authenticated:
            services.set_language(actor(), language)
            commit()
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
