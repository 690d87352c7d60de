"""The second factor: enrolment at the next login for the roles that must have one, the code
step, recovery codes that work once, the throttle on codes, and the choice of the others."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from evc.accounts.models import Role, TokenPurpose
from evc.accounts.second_factor.models import LoginChallenge, RecoveryCode, TotpCredential
from evc.accounts.services import issue_token
from evc.db import utcnow
from tests import factories
from tests.authenticator import TOTP_SECRET
from tests.conftest import Browserless

SECRET_RE = re.compile(r"data-secret>([A-Z2-7 ]+)<")
CODES_RE = re.compile(r"data-recovery-code>([a-z2-9-]+)<")


def _password_step(web, email):
    response = web.post_form("/login", {"email": email, "password": factories.PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def _secret_on_the_page(html: str) -> str:
    return SECRET_RE.search(html).group(1).replace(" ", "")


def _enrol(web, url: str, authenticator, who: str) -> tuple[str, list[str]]:
    """Scan the page (read its secret), type the app's code: the secret and recovery codes."""
    page = web.get(url).get_data(as_text=True)
    secret = _secret_on_the_page(page)
    response = web.post_form(url, {"code": authenticator.code(who, secret)})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return secret, CODES_RE.findall(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "roles, site_admin",
    [
        ((Role.COORDINATOR,), False),
        ((Role.ASSESSOR,), False),
        ((Role.INSTRUCTOR,), False),
        ((Role.CASE_MANAGER,), False),
        ((), True),
    ],
    ids=["coordinator", "assessor", "instructor", "klantmanager", "site-admin"],
)
def test_privileged_people_set_up_an_app_before_they_can_do_anything(
    web, org, authenticator, roles, site_admin
):
    kind = factories.OrganisationKind.MUNICIPALITY if Role.CASE_MANAGER in roles else None
    place = factories.organisation(kind=kind) if kind else org
    person = factories.user(*roles, org=place, site_admin=site_admin, second_factor=False)
    assert _password_step(web, person.email) == "/login/code-instellen"
    assert web.get("/overzicht").headers["Location"].startswith("/login")  # no session yet
    assert web.get("/account").headers["Location"].startswith("/login")
    page = web.get("/login/code-instellen").get_data(as_text=True)
    assert 'src="data:image/png;base64,' in page  # the QR code, allowed by img-src data:
    assert "Voor jouw rol is inloggen met een code verplicht" in page
    _secret, codes = _enrol(web, "/login/code-instellen", authenticator, person.email)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert web.get("/overzicht").status_code == 200


def test_enrolment_needs_the_right_first_code_and_keeps_the_secret_on_reload(web, org, session):
    person = factories.user(Role.COORDINATOR, org=org, second_factor=False)
    _password_step(web, person.email)
    first = _secret_on_the_page(web.get("/login/code-instellen").get_data(as_text=True))
    assert _secret_on_the_page(web.get("/login/code-instellen").get_data(as_text=True)) == first
    response = web.post_form("/login/code-instellen", {"code": "000000"})
    assert response.status_code == 422
    assert "Deze code klopt niet" in response.get_data(as_text=True)
    assert web.get("/overzicht").status_code == 302
    stored = session.scalar(select(TotpCredential))
    assert stored.confirmed_at is None
    assert first not in stored.secret_encrypted  # kept encrypted, not as typed into the app


def test_after_enrolment_the_secret_is_never_shown_again(web, org, authenticator):
    person = factories.user(Role.COORDINATOR, org=org, second_factor=False)
    _password_step(web, person.email)
    secret, _codes = _enrol(web, "/login/code-instellen", authenticator, person.email)
    account = web.get("/account").get_data(as_text=True)
    assert "Aan" in account and "Je hebt nog 10 herstelcodes." in account
    assert secret not in account
    assert secret not in web.get("/account/code-instellen").get_data(as_text=True)


def test_login_asks_for_the_code_and_refuses_a_wrong_one(web, coordinator, authenticator):
    assert _password_step(web, coordinator.email) == "/login/code"
    assert web.get("/overzicht").status_code == 302
    wrong = web.post_form("/login/code", {"code": "123456"})
    assert wrong.status_code == 401
    assert "Deze code klopt niet" in wrong.get_data(as_text=True)
    right = web.post_form("/login/code", {"code": authenticator.code(coordinator.email)})
    assert right.headers["Location"] == "/overzicht"
    assert "Welkom, Cor" in web.get("/overzicht").get_data(as_text=True)


def test_a_code_works_only_once(web, other_web, coordinator, authenticator):
    code = authenticator.code(coordinator.email)
    _password_step(web, coordinator.email)
    assert web.post_form("/login/code", {"code": code}).status_code == 302
    _password_step(other_web, coordinator.email)
    assert other_web.post_form("/login/code", {"code": code}).status_code == 401


def test_the_login_goes_on_to_the_page_it_was_asked_for(web, coordinator, authenticator, org):
    members = f"/organisaties/{org.id}/leden"
    response = web.post_form(
        f"/login?next={members}",
        {"email": coordinator.email, "password": factories.PASSWORD},
        form_url="/login",
    )
    assert response.headers["Location"] == "/login/code"
    assert web.enter_code(coordinator.email).headers["Location"] == members


def test_a_recovery_code_logs_in_once(app, web, other_web, org, authenticator, session):
    person = factories.user(Role.COORDINATOR, org=org, second_factor=False)
    _password_step(web, person.email)
    _secret, codes = _enrol(web, "/login/code-instellen", authenticator, person.email)
    _password_step(other_web, person.email)
    typed = codes[3].upper().replace("-", " ")  # as someone types it from paper
    assert other_web.post_form("/login/code", {"code": typed}).status_code == 302
    third = Browserless(app.test_client())
    _password_step(third, person.email)
    assert third.post_form("/login/code", {"code": codes[3]}).status_code == 401
    stored = session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not any(
        code.replace("-", "") in h for code in codes for h in stored
    )


def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_them(
    web, coordinator, authenticator
):
    _password_step(web, coordinator.email)
    for _ in range(5):
        assert web.post_form("/login/code", {"code": "000000"}).status_code == 401
    right = web.post_form("/login/code", {"code": authenticator.code(coordinator.email)})
    assert right.status_code == 429
    assert "Te veel mislukte pogingen" in right.get_data(as_text=True)
    _password_step(web, coordinator.email)
    again = web.post_form("/login/code", {"code": authenticator.code(coordinator.email)})
    assert again.status_code == 429


def test_a_pending_login_expires(web, coordinator, authenticator, session):
    _password_step(web, coordinator.email)
    old = utcnow() - timedelta(minutes=11)
    session.execute(update(LoginChallenge).values(created_at=old))
    session.commit()
    response = web.post_form(
        "/login/code", {"code": authenticator.code(coordinator.email)}, form_url="/login"
    )
    assert response.headers["Location"] == "/login"
    assert web.get("/overzicht").status_code == 302


def test_an_invitation_for_a_coordinator_leads_to_enrolment_not_a_session(web, org, session):
    person = factories.user(Role.COORDINATOR, org=org, password=None, second_factor=False)
    token = issue_token(person, TokenPurpose.INVITATION, timedelta(hours=1), None)
    session.commit()
    new = "een lange nieuwe zin als wachtwoord"
    opened = web.open_link(f"/uitnodiging/{token}")
    response = web.post_form(opened, {"password": new, "password_repeat": new})
    assert response.headers["Location"] == "/login/code-instellen"
    assert web.get("/overzicht").status_code == 302


def test_a_password_reset_does_not_skip_the_code(web, coordinator, session):
    token = issue_token(coordinator, TokenPurpose.PASSWORD_RESET, timedelta(hours=1), None)
    session.commit()
    new = "een lange nieuwe zin als wachtwoord"
    opened = web.open_link(f"/wachtwoord-herstellen/{token}")
    response = web.post_form(opened, {"password": new, "password_repeat": new})
    assert response.headers["Location"] == "/login/code"
    assert web.get("/overzicht").status_code == 302


def test_a_volunteer_logs_in_without_a_code_and_may_turn_it_on_and_off(
    web, volunteer, authenticator
):
    web.login(volunteer.email)
    account = web.get("/account").get_data(as_text=True)
    assert "Uit" in account and "/account/code-instellen" in account
    secret, _codes = _enrol(web, "/account/code-instellen", authenticator, volunteer.email)
    web.post_form("/logout", form_url="/overzicht")
    assert _password_step(web, volunteer.email) == "/login/code"
    code = authenticator.code(volunteer.email, secret)
    response = web.post_form("/login/code", {"code": code})
    assert response.headers["Location"] == "/overzicht"
    off = web.post_form("/account/code-uitzetten", form_url="/account")
    assert off.headers["Location"] == "/account"
    assert "Inloggen met een code staat nu uit." in web.get("/account").get_data(as_text=True)
    web.post_form("/logout", form_url="/overzicht")
    assert _password_step(web, volunteer.email) == "/overzicht"


def test_a_coordinator_cannot_turn_the_second_factor_off(web, coordinator, session):
    web.login(coordinator.email)
    assert "/account/code-uitzetten" not in web.get("/account").get_data(as_text=True)
    response = web.post_form("/account/code-uitzetten", form_url="/account")
    assert response.headers["Location"] == "/account"
    assert "verplicht" in web.get("/account").get_data(as_text=True)
    assert session.scalar(select(TotpCredential)) is not None


def test_new_recovery_codes_replace_the_old_ones(web, other_web, org, authenticator):
    person = factories.user(Role.COORDINATOR, org=org, second_factor=False)
    _password_step(web, person.email)
    _secret, old_codes = _enrol(web, "/login/code-instellen", authenticator, person.email)
    response = web.post_form("/account/herstelcodes", form_url="/account")
    new_codes = CODES_RE.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    _password_step(other_web, person.email)
    assert other_web.post_form("/login/code", {"code": old_codes[0]}).status_code == 401
    assert other_web.post_form("/login/code", {"code": new_codes[0]}).status_code == 302


def test_a_new_phone_replaces_the_old_app(web, other_web, coordinator, authenticator):
    web.login(coordinator.email)
    new_secret, _codes = _enrol(web, "/account/code-instellen", authenticator, "new phone")
    assert new_secret != TOTP_SECRET
    _password_step(other_web, coordinator.email)
    old_code = pyotp.TOTP(TOTP_SECRET).now()
    assert other_web.post_form("/login/code", {"code": old_code}).status_code == 401
    new_code = authenticator.code("new phone", new_secret)
    assert other_web.post_form("/login/code", {"code": new_code}).status_code == 302


def test_the_step_pages_without_a_pending_login_send_to_the_login(client):
    for path in ("/login/code", "/login/code-instellen"):
        response = client.get(path)
        assert response.headers["Location"] == "/login", path


def test_the_operator_removes_a_lost_app_and_the_next_login_sets_up_a_new_one(
    app, web, coordinator
):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evc", "reset-second-factor", coordinator.email])
    assert result.exit_code == 0, result.output
    assert _password_step(web, coordinator.email) == "/login/code-instellen"
    unknown = runner.invoke(args=["evc", "reset-second-factor", "niemand@test.example"])
    assert unknown.exit_code == 1


def test_wrong_codes_from_another_browser_do_not_slow_the_owner_down(
    app, web, coordinator, authenticator
):
    web.login(coordinator.email)  # the whole login: this browser is known for the account now
    web.post_form("/logout", form_url="/overzicht")
    stranger = Browserless(app.test_client())  # knows the password, not the phone
    _password_step(stranger, coordinator.email)
    for _ in range(6):
        stranger.post_form("/login/code", {"code": "000000"})
    late = stranger.post_form("/login/code", {"code": authenticator.code(coordinator.email)})
    assert late.status_code == 429
    _password_step(web, coordinator.email)
    response = web.post_form("/login/code", {"code": authenticator.code(coordinator.email)})
    assert response.headers["Location"] == "/overzicht"
