"""Login, logout, invitations, password reset, own password and language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from evc import urls
from evc.accounts import devices, services
from evc.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    SetPasswordForm,
)
from evc.accounts.loaders import OFFER
from evc.accounts.models import RoleOffer, TokenPurpose
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
    press,
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
    account = services.normalise_email(filled(form.email.data))
    user, refusal = services.attempt_login(
        account, filled(form.password.data), request.remote_addr or "", devices.device_of(account)
    )
    if refusal is not None:
        commit()  # the failed attempt counts, also across workers
        form.form_errors.append(refusal.message)
        return view.render(429 if isinstance(refusal, services.LoginThrottled) else 401)
    result = enter(user, safe_next(request.args.get("next")) or url_for("core.dashboard"))
    commit()
    response = result.respond()
    if session.get(SESSION_KEY):  # logged in now; after a code step the browser is known then
        devices.remember(response, account)
    return response


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


def _token_page(purpose: TokenPurpose, template: str, accept, done_message: str):
    """Invitation and reset links: a valid single-use token, kept in the session by the link,
    lets one set a password. Someone else who is logged in is first asked to log out."""
    record = services.find_valid_token(urls.kept(purpose.value), purpose)
    if record is None:
        return render_template("accounts/link_invalid.html", purpose=purpose.value), 410
    if current_user.is_authenticated and current_user.id != record.user_id:
        return _logged_in_as_someone_else()
    form = SetPasswordForm()

    def action():
        # A fresh session (or a pending login): either way the kept token is gone.
        return enter(accept(record, form.password.data), url_for("core.dashboard"), done_message)

    return save(form, action, page(template, form=form, user=record.user))


def _logged_in_as_someone_else():
    """The link is for another account: nothing changes until the person logs out (by POST)."""
    status = 409 if request.method == "POST" else 200
    return render_template("accounts/link_other_account.html"), status


@bp.route("/uitloggen-en-doorgaan", methods=["POST"])
@permission("account.manage_own")
def log_out_and_continue():
    """Log out, keeping the links opened in this browser, and go back to the link's page."""
    links = urls.all_kept()

    def action():
        _log_out()
        session.update(links)
        flash(_("Je bent uitgelogd."), "success")
        return redirect(safe_next(request.form.get("next")) or url_for("accounts.login"))

    return press(action, url_for("core.dashboard"))


@bp.route("/uitnodiging/<secret:token>")
@public
def invitation_link(token: str):
    return urls.keep(TokenPurpose.INVITATION.value, token, url_for("accounts.accept_invitation"))


@bp.route("/uitnodiging", methods=["GET", "POST"])
@public
def accept_invitation():
    offer = services.find_offer(urls.kept(TokenPurpose.INVITATION.value))
    if offer is not None:  # for an existing account: it never logs anyone in or out
        return page("accounts/offer_link.html", offer=offer).render()
    return _token_page(
        TokenPurpose.INVITATION,
        "accounts/accept_invitation.html",
        services.accept_invitation,
        _("Welkom! Je wachtwoord is ingesteld en je bent ingelogd."),
    )


def _answer(offer: RoleOffer, accept: bool, message: str):
    def action():
        if accept:
            services.accept_offer(offer, actor=actor())
        else:
            services.decline_offer(offer, actor=actor())
        return done(url_for("core.dashboard"), message)

    return press(action, url_for("core.dashboard"))


@bp.route("/uitnodigingen/<int:offer_id>/aannemen", methods=["POST"])
@permission("offer.answer", OFFER)
def accept_offer(offer: RoleOffer):
    """Logged in as themselves, the person takes the role another organisation offered."""
    message = _("Je hoort nu ook bij %(org)s.", org=offer.organisation.name)
    return _answer(offer, True, message)


@bp.route("/uitnodigingen/<int:offer_id>/afslaan", methods=["POST"])
@permission("offer.answer", OFFER)
def decline_offer(offer: RoleOffer):
    message = _("Je hebt de uitnodiging van %(org)s afgeslagen.", org=offer.organisation.name)
    return _answer(offer, False, message)


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()

    def action():
        services.request_password_reset(filled(form.email.data), request.remote_addr or "")
        return render_template("accounts/forgot_password_sent.html")

    return save(form, action, page("accounts/forgot_password.html", form=form))


@bp.route("/wachtwoord-herstellen/<secret:token>")
@public
def reset_link(token: str):
    purpose = TokenPurpose.PASSWORD_RESET.value
    return urls.keep(purpose, token, url_for("accounts.reset_password"))


@bp.route("/wachtwoord-herstellen", methods=["GET", "POST"])
@public
def reset_password():
    return _token_page(
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
