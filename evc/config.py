"""Configuration: defaults in code, then ``instance/config.py``, then ``EVC_*`` variables.

Later sources win. Environment values are parsed as the type of the default (bool, int, float);
names without a default are taken as strings.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    # "development" (local, demo data allowed) or "production" (no demo data, strict checks)
    MODE = "development"
    SECRET_KEY = None
    DATABASE_URL = None  # None: sqlite file in the instance folder
    SQLALCHEMY_ECHO = False

    # Sessions: the cookie only carries a random session token; the session lives in the database.
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 8
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)

    # Login throttling (counted in the database, so it holds across worker processes).
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 5
    LOGIN_MAX_FAILURES_PER_ADDRESS = 20
    LOGIN_THROTTLE_MINUTES = 15  # the longest wait between two tries
    LOGIN_FIRST_WAIT_SECONDS = 30  # after the allowed failures; doubles with each further one
    LOGIN_FAILURE_MEMORY_HOURS = 24  # failures older than this no longer count
    DEVICE_COOKIE_DAYS = 180  # how long a browser stays known for an account it logged in to
    PASSWORD_RESET_MAX_PER_ACCOUNT = 3  # reset mails to one account per hour
    PASSWORD_RESET_MAX_PER_ADDRESS = 10  # reset requests from one client address per hour
    # The second factor: how long a right password waits for its code, and how recent a login
    # must be for sensitive actions (changing roles, blocking, API tokens, one's own password).
    LOGIN_STEP_MINUTES = 10
    REAUTH_MINUTES = 10

    INVITATION_VALID_HOURS = 72
    PASSWORD_RESET_VALID_MINUTES = 60
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 256

    # Mail: without SMTP_HOST messages stay in the outbox, readable by coordinators.
    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = True
    MAIL_FROM = "evc@localhost"
    # The site's address, e.g. https://evc.example.org: every link in a mail is built from it, and
    # requests for another host are refused. Required in production; empty (development only):
    # links are taken from the request and every host is served.
    BASE_URL = ""
    # Extra host names to serve besides BASE_URL's (comma-separated in EVC_TRUSTED_HOSTS).
    TRUSTED_HOSTS = None

    FRAMEWORK_DIR = str(ROOT / "competencies")
    # Uploaded evidence: empty UPLOAD_DIR means instance/uploads.
    UPLOAD_DIR = ""
    MAX_FILE_BYTES = 20_000_000
    MAX_PORTFOLIO_BYTES = 250_000_000
    REFEREE_LINK_VALID_DAYS = 14
    # Care-task protocols: the seed library, and when clearances and VOGs need attention.
    PROTOCOL_DIR = str(ROOT / "competencies" / "protocols")
    CLEARANCE_WARNING_DAYS = 30  # "expires soon" and the reminder mail, in days before expiry
    VOG_RENEWAL_YEARS = 3  # a received VOG is due for renewal this many years after issue
    # Signing keys of the organisations (Open Badges); empty KEY_DIR means instance/keys.
    KEY_DIR = ""
    # The public certificate check: lookups per client address within the window.
    VERIFY_MAX_PER_ADDRESS = 30
    VERIFY_WINDOW_MINUTES = 15
    VERIFY_MAX_UPLOAD_BYTES = 10_000_000
    # Public check page of participation reports: checks per client address per window.
    REPORT_CHECK_MAX_PER_ADDRESS = 20
    REPORT_CHECK_WINDOW_MINUTES = 15
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")
    PROXY_COUNT = 0  # number of trusted reverse proxies in front of the app
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    DEMO_PASSWORD = None
    DEMO_TOTP_SECRET = None  # base32; the demo accounts that need a code use this secret
    ALLOW_SQLITE = False  # production on SQLite only when explicitly allowed


def _coerce(value: str, default):
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load_config(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, the instance file, the environment and ``test_config``."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        for key, value in os.environ.items():
            if key.startswith("EVC_"):
                name = key[4:]
                app.config[name] = _coerce(value, getattr(Defaults, name, None))
    else:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'evc.sqlite3'}"
    _check(app.config)


def _check(config) -> None:
    if not config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Run 'make run' once (it writes instance/config.py) "
            "or set EVC_SECRET_KEY."
        )
    if config["MODE"] == "production":
        _check_production(config)
    config["TRUSTED_HOSTS"] = trusted_hosts(config)
    config["SESSION_COOKIE_NAME"] = (
        "__Host-evc_session" if config["SESSION_COOKIE_SECURE"] else "evc_session"
    )


def _check_production(config) -> None:
    if not config["SESSION_COOKIE_SECURE"]:
        raise RuntimeError("SESSION_COOKIE_SECURE may only be switched off outside production.")
    if config["DATABASE_URL"].startswith("sqlite") and not config.get("ALLOW_SQLITE"):
        raise RuntimeError("Production needs EVC_DATABASE_URL (PostgreSQL).")
    if not str(config.get("BASE_URL") or "").startswith("https://"):
        raise RuntimeError(
            "Production needs EVC_BASE_URL, the site's https address (e.g. "
            "https://evc.example.org): links in mail are built from it, never from a request."
        )


def trusted_hosts(config) -> list[str] | None:
    """The host names requests may name: BASE_URL's and any TRUSTED_HOSTS. None (every host)
    only without BASE_URL, which production refuses. Flask answers other hosts with 400."""
    extra = config.get("TRUSTED_HOSTS") or []
    names = extra.split(",") if isinstance(extra, str) else list(extra)
    base = urlsplit(config.get("BASE_URL") or "").hostname
    hosts = [name.strip() for name in [base or "", *names] if name and name.strip()]
    return list(dict.fromkeys(hosts)) or None


def is_production(config) -> bool:
    return config["MODE"] == "production"
