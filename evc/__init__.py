"""evc: the EVC-A procedure, care-task clearances and participation log, as one Flask app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from flask import Blueprint, Flask, Response, current_app, g, has_request_context, request, session
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.middleware.proxy_fix import ProxyFix

from evc import urls
from evc.config import ROOT, load_config

# Content-Security-Policy: no inline script or style, nothing from other sites, no framing.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config → extensions → framework → blueprints → CLI → error handlers."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    load_config(app, test_config)
    urls.init_app(app)  # the converters, before any route
    app.before_request(_fresh_request_globals)  # first, before any extension's hook
    _trust_proxies(app)
    _init_extensions(app)
    _load_data_files(app)
    _register_blueprints(app)
    urls.mask_secrets_in_logs(app)
    _init_commands_and_errors(app)
    _init_request_hooks(app)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_COUNT`` proxies, take the client address, scheme and host from them."""
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )


def _load_data_files(app: Flask) -> None:
    """The competency frameworks and the care-task protocols, validated on start."""
    from evc import framework
    from evc.protocols import loader as protocol_loader

    framework.init_app(app)
    protocol_loader.init_app(app)


def _init_commands_and_errors(app: Flask) -> None:
    from evc import cli, errors

    cli.init_app(app)
    errors.init_app(app)


def _fresh_request_globals() -> None:
    """Start every request with an empty ``g``.

    In production each request has its own app context anyway. Tests keep one app context open
    across requests; without this, the user, CSRF token and language of an earlier request would
    be cached on ``g`` and leak into the next one.
    """
    g.__dict__.clear()


def _init_extensions(app: Flask) -> None:
    from evc.accounts.views import init_login
    from evc.extensions import babel, csrf, db

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_language,
        default_translation_directories=str(ROOT / "evc" / "translations"),
    )
    init_login(app)


def select_language() -> str:
    """The account's language; before login the one picked with the switch; else Dutch."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # mail rendered by a command: force_locale decides
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _register_blueprints(app: Flask) -> None:
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    _init_domains(app)


def _blueprints() -> tuple[Blueprint, ...]:
    from evc.accounts.second_factor.views import bp as second_factor_bp
    from evc.accounts.views import bp as accounts_bp
    from evc.admin.views import bp as admin_bp
    from evc.assessment.views import bp as assessment_bp
    from evc.certificates.views import bp as certificates_bp
    from evc.core.views import bp as core_bp
    from evc.participation.views import bp as participation_bp
    from evc.portfolio.views import bp as portfolio_bp
    from evc.procedure.views import bp as procedure_bp
    from evc.protocols.views import bp as protocols_bp

    return (
        core_bp,
        accounts_bp,
        second_factor_bp,
        admin_bp,
        procedure_bp,
        portfolio_bp,
        assessment_bp,
        protocols_bp,
        certificates_bp,
        participation_bp,
    )


def _init_domains(app: Flask) -> None:
    """The hooks through which later domains join earlier ones (trajectory sections, guards)."""
    from evc.assessment import guards as assessment_guards
    from evc.assessment.views import init_app as init_assessment
    from evc.certificates import guards as certificates_guards
    from evc.certificates.views import init_app as init_certificates
    from evc.portfolio.views import init_app as init_portfolio

    init_portfolio(app)
    init_assessment(app)
    init_certificates(app)
    assessment_guards.init_app(app)  # the guards of the moves these two domains close
    certificates_guards.init_app(app)


def _template_gettext(translations):
    """``gettext`` as Jinja's new-style i18n calls it (escape-aware, %-formatting)."""

    @pass_context
    def gettext(context, string, **variables):
        text = translations.gettext(string)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - catalog text is ours; variables get escaped by %
        return text % variables

    return gettext


def _template_ngettext(translations):
    @pass_context
    def ngettext(context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = translations.ngettext(singular, plural, num)
        if context.eval_ctx.autoescape:
            text = Markup(text)  # noqa: S704 - catalog text is ours; variables get escaped by %
        return text % variables

    return ngettext


def _template_globals() -> dict:
    from flask_babel import get_translations

    from evc.framework import current_framework
    from evc.permissions import can

    translations = get_translations()
    return {
        # Jinja's i18n extension looks these up in the context first: binding them to this
        # request's catalog once avoids a locale lookup per string (a long list renders
        # thousands). Escaping and %-formatting stay with the extension.
        "gettext": _template_gettext(translations),
        "ngettext": _template_ngettext(translations),
        "can": can,
        "language": select_language(),
        "framework": current_framework,
    }


def _datetime_local(value: datetime | None) -> str:
    from flask_babel import format_datetime

    return format_datetime(value, "d MMM yyyy, HH:mm") if value else ""


def _days_ago(value: datetime | None) -> str:
    from flask_babel import gettext, ngettext

    from evc.db import utcnow

    days = (utcnow() - value).days if value else 0
    if days <= 0:
        return gettext("vandaag")
    return ngettext("%(num)d dag geleden", "%(num)d dagen geleden", days)


def _decimal(value: float | Decimal) -> str:
    from flask_babel import format_decimal

    return format_decimal(value)


def _date_local(value: date | None) -> str:
    from flask_babel import format_date

    return format_date(value, "d MMMM yyyy") if value else ""


TEMPLATE_FILTERS: dict[str, Callable[..., str]] = {
    "datetime_local": _datetime_local,
    "days_ago": _days_ago,
    "decimal": _decimal,
    "date_local": _date_local,
}


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if current_app.config["SESSION_COOKIE_SECURE"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response


def _reset_permission_markers() -> None:
    g.permission_pending = None
    g.permission_checked = False


def _init_request_hooks(app: Flask) -> None:
    app.context_processor(_template_globals)
    for name, template_filter in TEMPLATE_FILTERS.items():
        app.add_template_filter(template_filter, name)
    app.after_request(_security_headers)
    app.before_request(_reset_permission_markers)
