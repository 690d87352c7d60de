"""Login, logout, throttling and server-side sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from evc.accounts.models import Role, UserSession
from evc.accounts.services.sessions import ACCOUNT_SCOPE
from evc.audit import AuditEntry
from evc.db import utcnow
from evc.mail import OutboxMessage
from evc.throttle import ThrottleAttempt
from tests import factories
from tests.conftest import Browserless

GENERIC = "Het e-mailadres of het wachtwoord klopt niet."


def test_login_with_right_password_opens_the_dashboard(web, volunteer):
    response = web.login(volunteer.email)
    assert response.headers["Location"] == "/overzicht"
    page = web.get("/overzicht").get_data(as_text=True)
    assert "Welkom, Vera Vrijwilliger" in page
    assert "Jouw EVC-A-traject" in page


def test_login_is_case_insensitive_for_the_email_address(web, volunteer):
    web.login("  VRIJWILLIGER@Test.Example ")
    assert "Welkom, Vera" in web.get("/overzicht").get_data(as_text=True)


@pytest.mark.parametrize(
    "email, password",
    [
        ("vrijwilliger@test.example", "wrong password entirely"),
        ("nobody@test.example", factories.PASSWORD),
        ("vrijwilliger@test.example", "x" * 10_000),
        ("vrijwilliger@test.example", factories.PASSWORD[:-1]),
    ],
    ids=["wrong-password", "unknown-email", "10kB-password", "almost-right"],
)
def test_failed_login_gives_one_generic_message_and_no_session(
    web, volunteer, session, email, password
):
    response = web.post_form("/login", {"email": email, "password": password})
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert GENERIC in page
    assert session.scalar(select(func.count(UserSession.id))) == 0
    assert web.get("/overzicht").status_code == 302  # still not logged in


def test_empty_fields_are_named_in_the_error_summary(web, volunteer):
    response = web.post_form("/login", {"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Vul je e-mailadres in." in page
    assert "Vul je wachtwoord in." in page
    assert 'href="#email"' in page


def test_login_without_csrf_token_is_refused(client, volunteer):
    response = client.post(
        "/login", data={"email": volunteer.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert "Ongeldig verzoek" in response.get_data(as_text=True)


def test_blocked_account_cannot_log_in(web, org):
    person = factories.user(Role.VOLUNTEER, org=org, active=False)
    response = web.post_form("/login", {"email": person.email, "password": factories.PASSWORD})
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)


def test_failed_logins_are_throttled_per_account_and_logged(web, volunteer, session):
    for _ in range(5):
        web.post_form("/login", {"email": volunteer.email, "password": "not the password at all"})
    response = web.post_form("/login", {"email": volunteer.email, "password": factories.PASSWORD})
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(UserSession.id))) == 0
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("login.failed") == 5
    assert "login.throttled" in actions


def test_throttling_holds_across_worker_processes(app, make_app, volunteer):
    """Two app instances on one database stand for two gunicorn workers."""
    worker_a, worker_b = (
        Browserless(make_app().test_client()),
        Browserless(make_app().test_client()),
    )
    for i in range(5):
        worker = worker_a if i % 2 else worker_b
        worker.post_form(
            "/login", {"email": volunteer.email, "password": "not the password at all"}
        )
    response = worker_a.post_form(
        "/login", {"email": volunteer.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 429


def test_throttling_ends_after_the_waiting_time(web, volunteer, session):
    for _ in range(5):
        web.post_form("/login", {"email": volunteer.email, "password": "not the password at all"})
    for attempt in session.scalars(select(ThrottleAttempt)):
        attempt.attempted_at = utcnow() - timedelta(minutes=16)
    session.commit()
    assert web.login(volunteer.email).status_code == 302


def test_successful_login_clears_the_failure_count(web, volunteer, session):
    for _ in range(4):
        web.post_form("/login", {"email": volunteer.email, "password": "not the password at all"})
    web.login(volunteer.email)
    account_failures = select(func.count(ThrottleAttempt.id)).where(
        ThrottleAttempt.scope == ACCOUNT_SCOPE
    )
    assert session.scalar(account_failures) == 0


def test_session_cookie_is_httponly_lax_and_secure_when_configured(app, make_app, volunteer):
    app = make_app(SESSION_COOKIE_SECURE=True)
    web = Browserless(app.test_client(), base_url="https://localhost")
    response = web.login(volunteer.email)
    cookie = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("__Host-evc_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie
    assert "Path=/" in cookie


def _cookie(client, app) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _replay(app, cookie_value):
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie_value)
    return other.get("/overzicht")


def test_logout_invalidates_a_copied_cookie(app, web, client, volunteer):
    web.login(volunteer.email)
    copied = _cookie(client, app)
    assert _replay(app, copied).status_code == 200
    response = web.post_form("/logout", form_url="/overzicht")
    assert response.headers["Location"] == "/login"
    assert "storage" in response.headers["Clear-Site-Data"]
    replay = _replay(app, copied)
    assert replay.status_code == 302
    assert replay.headers["Location"].startswith("/login")


def test_logout_by_get_is_not_possible(web, volunteer):
    web.login(volunteer.email)
    assert web.get("/logout").status_code == 405
    assert web.get("/overzicht").status_code == 200


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, make_app, volunteer):
    phone, laptop = Browserless(app.test_client()), Browserless(app.test_client())
    phone.login(volunteer.email)
    laptop.login(volunteer.email)
    new = "a brand new long passphrase"
    response = laptop.post_form(
        "/account",
        {"current_password": factories.PASSWORD, "password": new, "password_repeat": new},
    )
    assert response.status_code == 302
    assert laptop.get("/overzicht").status_code == 200
    assert phone.get("/overzicht").status_code == 302
    assert Browserless(app.test_client()).login(volunteer.email, new).status_code == 302


def test_changing_the_password_needs_the_current_one(web, volunteer, session):
    web.login(volunteer.email)
    old_hash = volunteer.password_hash
    response = web.post_form(
        "/account",
        {
            "current_password": "wrong guess here",
            "password": "another long passphrase",
            "password_repeat": "another long passphrase",
        },
    )
    assert response.status_code == 422
    assert "Je huidige wachtwoord klopt niet." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(volunteer), volunteer.id).password_hash == old_hash


def test_deactivating_an_account_ends_its_session_at_once(web, other_web, org, volunteer):
    other_web.login(volunteer.email)
    assert other_web.get("/overzicht").status_code == 200
    web.login(factories.user(site_admin=True).email)
    org_id = org.id
    response = web.post_form(
        f"/organisaties/{org_id}/leden/{volunteer.id}/blokkeren",
        form_url=f"/organisaties/{org_id}/leden",
    )
    assert response.status_code == 302
    assert other_web.get("/overzicht").status_code == 302


def test_idle_session_expires(web, volunteer, session):
    web.login(volunteer.email)
    row = session.scalar(select(UserSession))
    row.last_seen_at = utcnow() - timedelta(minutes=31)
    session.commit()
    assert web.get("/overzicht").status_code == 302
    assert session.scalar(select(func.count(UserSession.id))) == 0


def test_absolute_session_lifetime(web, volunteer, session):
    web.login(volunteer.email)
    row = session.scalar(select(UserSession))
    row.created_at = utcnow() - timedelta(hours=9)
    session.commit()
    assert web.get("/overzicht").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_login_never_redirects_to_another_site(web, volunteer, target):
    page = web.get(f"/login?next={target}")
    from tests.conftest import csrf_from

    token = csrf_from(page.get_data(as_text=True))
    response = web.client.post(
        f"/login?next={target}",
        data={"csrf_token": token, "email": volunteer.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/overzicht"


def test_login_follows_a_local_next_path(web, volunteer):
    page = web.get("/competenties")
    assert page.headers["Location"].startswith("/login?next=/competenties")
    from tests.conftest import csrf_from

    token = csrf_from(web.get("/login").get_data(as_text=True))
    response = web.client.post(
        "/login?next=/competenties",
        data={"csrf_token": token, "email": volunteer.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"] == "/competenties"


def test_password_is_stored_as_argon2id_hash(volunteer):
    assert volunteer.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


# --- guessing slows the guesser, not the owner --------------------------------------------------

WRONG = {"password": "not the password at all"}


def _fail(browser, email, times):
    return [browser.post_form("/login", {"email": email, **WRONG}) for _ in range(times)][-1]


def _age_attempts(session, seconds):
    for attempt in session.scalars(select(ThrottleAttempt)):
        attempt.attempted_at = attempt.attempted_at - timedelta(seconds=seconds)
    session.commit()


def test_the_owners_own_browser_still_logs_in_while_someone_else_guesses(
    web, other_web, volunteer, session
):
    web.login(volunteer.email)  # Vera's own browser: it now carries a device cookie
    web.post_form("/logout", {})
    assert _fail(other_web, volunteer.email, 25).status_code == 429  # the guesser is stopped
    assert web.login(volunteer.email).status_code == 302  # Vera is not
    assert "Welkom, Vera" in web.get("/overzicht").get_data(as_text=True)


def test_a_device_cookie_of_another_account_or_a_forged_one_does_not_count(
    web, other_web, volunteer, coordinator, session
):
    other_web.login(coordinator.email)
    other_web.post_form("/logout", {})
    _fail(web, volunteer.email, 5)
    right = {"email": volunteer.email, "password": factories.PASSWORD}
    assert other_web.post_form("/login", right).status_code == 429
    other_web.client.set_cookie("evc_device", "forged.value.here")
    assert other_web.post_form("/login", right).status_code == 429


def test_each_further_failure_doubles_the_wait(web, volunteer, session):
    assert _fail(web, volunteer.email, 5).status_code == 401
    assert _fail(web, volunteer.email, 1).status_code == 429  # the first wait: 30 seconds
    _age_attempts(session, 31)
    assert _fail(web, volunteer.email, 1).status_code == 401  # one more try, then 60 seconds
    _age_attempts(session, 31)
    refused = _fail(web, volunteer.email, 1)
    assert refused.status_code == 429 and "Wacht 1 minuut" in refused.get_data(as_text=True)
    _age_attempts(session, 31)
    assert web.login(volunteer.email).status_code == 302


def test_the_reset_form_sends_at_most_three_mails_an_hour_to_one_account(web, volunteer, session):
    for _ in range(10):
        page = web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
        assert page.status_code == 200  # the same neutral answer every time
    mails = select(func.count(OutboxMessage.id)).where(OutboxMessage.kind == "password_reset")
    assert session.scalar(mails) == 3
    actions = session.scalars(select(AuditEntry.action)).all()
    assert actions.count("password.reset_throttled") == 7
