"""Real-browser fixtures: the app on a live server, one headless chromium per session, axe-core.

Each test gets a fresh database (SQLite, or PostgreSQL with ``--db=postgresql``) seeded with the
demo accounts, a werkzeug server on a free port in a daemon thread, and a new browser context
whose ``base_url`` is that server, so tests can ``page.goto("/login")``.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from evc.demo import seed_demo
from evc.extensions import db
from evc.mail import OutboxMessage
from tests.authenticator import AUTHENTICATOR, TOTP_SECRET
from tests.conftest import missing

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "a demo password for tests"
# URL patterns (a fragment such as #main survives the redirect after a form post).
DASHBOARD = re.compile(r"/overzicht(#.*)?$")
LOGIN = re.compile(r"/login(#.*)?$")
CODE_STEP = re.compile(r"/login/code(#.*)?$")
DASHBOARD_OR_CODE_STEP = re.compile(r"/(overzicht|login/code)(#.*)?$")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def live_app(make_app):
    """The app the live server serves, on a fresh database holding the demo data."""
    app = make_app()
    with app.app_context():
        seed_demo(DEMO_PASSWORD, TOTP_SECRET)
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture
def mailbox(live_app):
    """``mailbox(address, "/uitnodiging/")``: the path of that link in the newest mail to
    ``address``, as the recipient reads it in their own mailbox (the outbox page masks it)."""

    def link(address: str, route: str) -> str:
        with live_app.app_context():
            body = db.session.scalar(
                select(OutboxMessage.body)
                .where(OutboxMessage.to_address == address)
                .order_by(OutboxMessage.id.desc())
            )
            db.session.remove()
        assert body is not None, f"no mail to {address}"
        return re.search(re.escape(route) + r"[A-Za-z0-9_-]+", body).group(0)

    return link


@pytest.fixture
def live_server(live_app):
    """Base URL of the app, served from a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        db.session.remove()
        if db.engine is not None:
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        missing(f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A page in a new context (Dutch locale) on the live server; closed before the server stops."""
    context = browser.new_context(base_url=live_server, locale="nl-NL")
    context.set_default_timeout(5_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def log_in(page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the login form (and the code step, with the code the demo secret gives
    now, for the accounts that need one) and wait for the dashboard."""
    page.goto("/login")
    # By field name, so that the helper works in either language.
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    after_password(page, email)


def after_password(page, email: str) -> None:
    """After the password: the code step, for the accounts that need one, then the dashboard."""
    page.wait_for_url(DASHBOARD_OR_CODE_STEP)
    if CODE_STEP.search(page.url):
        enter_code(page, AUTHENTICATOR.code(email))
        page.wait_for_url(DASHBOARD)


def enter_code(page, code: str) -> None:
    """Fill in the login's code step and send it."""
    page.locator("input[name=code]").fill(code)
    page.locator("main form button[type=submit]").click()


_AXE_SOURCE: str | None = None


def _axe_source() -> str:
    global _AXE_SOURCE
    if _AXE_SOURCE is None:
        import axe_playwright_python

        path = Path(axe_playwright_python.__file__).parent / "axe.min.js"
        _AXE_SOURCE = path.read_text(encoding="utf-8")
    return _AXE_SOURCE


def axe_violations(page) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page; print and return the violations.

    The app's CSP forbids inline scripts, so axe is not added as a <script> tag: ``evaluate``
    runs in the page's world without being subject to the page's CSP.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {
                runOnly: {type: 'tag', values: tags}, resultTypes: ['violations'],
            });
            return result.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary})),
            }));
        }""",
        WCAG_TAGS,
    )
    for violation in violations:
        print(f"axe {violation['id']} ({violation['impact']}): {violation['help']} [{page.url}]")
        for node in violation["nodes"][:3]:
            print(f"    {node['target']}: {node['summary']}")
    return violations
