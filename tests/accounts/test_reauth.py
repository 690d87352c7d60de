"""Re-authentication: changing roles, blocking, API tokens and one's own password or second
factor need a login fresher than ten minutes; otherwise "confirm it's you" comes first."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from evc.accounts.models import Role, User, UserSession
from evc.db import utcnow
from tests import factories

CONFIRM = "Bevestig dat jij het bent"


def _stale(session, minutes: int = 11) -> None:
    """The login was ``minutes`` ago (nobody waits ten minutes in a test)."""
    moment = utcnow() - timedelta(minutes=minutes)
    session.execute(update(UserSession).values(authenticated_at=moment))
    session.commit()


@pytest.fixture
def member(org):
    return factories.user(Role.VOLUNTEER, org=org, name="Mila Lid")


def _member_url(org, member) -> str:
    return f"/organisaties/{org.id}/leden/{member.id}"


def test_blocking_after_ten_minutes_asks_to_confirm_first(web, org, member, session):
    admin = factories.user(site_admin=True)  # blocking a whole account is the site admin's
    web.login(admin.email)
    _stale(session)
    page = _member_url(org, member)
    response = web.post_form(f"{page}/blokkeren", form_url=page)
    assert response.headers["Location"] == f"/bevestigen?next={page}"
    session.expire_all()
    assert session.get(User, member.id).is_active_account  # nothing happened yet
    confirm = web.get(response.headers["Location"])
    assert CONFIRM in confirm.get_data(as_text=True)
    back = web.post_form(
        response.headers["Location"], {"password": factories.PASSWORD}, form_url="/bevestigen"
    )
    assert back.headers["Location"] == page
    assert web.post_form(f"{page}/blokkeren", form_url=page).headers["Location"] == page
    session.expire_all()
    assert not session.get(User, member.id).is_active_account


@pytest.mark.parametrize(
    "action, data",
    [
        ("rol-toevoegen", {"role": "supervisor"}),
        ("rol-verwijderen/volunteer", {}),
        ("lidmaatschap-beeindigen", {}),
    ],
)
def test_changing_roles_after_ten_minutes_asks_to_confirm_first(
    web, coordinator, org, member, session, action, data
):
    web.login(coordinator.email)
    _stale(session, minutes=30)
    page = _member_url(org, member)
    response = web.post_form(f"{page}/{action}", data, form_url=page)
    assert response.headers["Location"].startswith("/bevestigen?next=")
    session.expire_all()
    assert session.get(User, member.id).roles_in(org.id) == {Role.VOLUNTEER}


def test_a_fresh_login_changes_roles_at_once(web, coordinator, org, member, session):
    web.login(coordinator.email)
    _stale(session, minutes=9)
    page = _member_url(org, member)
    response = web.post_form(f"{page}/rol-toevoegen", {"role": "supervisor"}, form_url=page)
    assert response.headers["Location"] == page
    session.expire_all()
    assert Role.SUPERVISOR in session.get(User, member.id).roles_in(org.id)


def test_confirming_with_a_code_from_the_app(web, coordinator, org, session, authenticator):
    web.login(coordinator.email)
    _stale(session)
    tokens = f"/organisaties/{org.id}/api-sleutels"
    response = web.get(tokens)
    assert response.headers["Location"] == f"/bevestigen?next={tokens}"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Of met een code uit je app" in page
    code = authenticator.code(coordinator.email)
    back = web.post_form(response.headers["Location"], {"code": code}, form_url="/bevestigen")
    assert back.headers["Location"] == tokens
    assert web.get(tokens).status_code == 200


def test_a_wrong_password_is_refused_and_counted(web, coordinator, session):
    web.login(coordinator.email)
    _stale(session)
    for _ in range(5):
        wrong = web.post_form("/bevestigen", {"password": "niet mijn wachtwoord"})
        assert wrong.status_code == 401
        assert "Dit klopt niet" in wrong.get_data(as_text=True)
    right = web.post_form("/bevestigen", {"password": factories.PASSWORD})
    assert right.status_code == 429
    assert web.get("/account").headers["Location"].startswith("/bevestigen")


def test_the_account_page_asks_to_confirm_after_ten_minutes(web, volunteer, session):
    web.login(volunteer.email)
    assert web.get("/account").status_code == 200
    _stale(session)
    response = web.get("/account")
    assert response.headers["Location"] == "/bevestigen?next=/account"
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert CONFIRM in page and "Of met een code uit je app" not in page  # no app: password only
    web.post_form("/bevestigen?next=/account", {"password": factories.PASSWORD})
    assert web.get("/account").status_code == 200


def test_sessions_from_before_the_upgrade_are_not_fresh(web, volunteer, session):
    web.login(volunteer.email)
    session.execute(update(UserSession).values(authenticated_at=None))
    session.commit()
    assert web.get("/account").headers["Location"].startswith("/bevestigen")


def test_confirming_only_goes_back_to_this_site(web, volunteer, session):
    web.login(volunteer.email)
    _stale(session)
    url = "/bevestigen?next=https://evil.example/"
    response = web.post_form(url, {"password": factories.PASSWORD}, form_url=url)
    assert response.headers["Location"] == "/overzicht"
    row = session.scalar(select(UserSession).execution_options(populate_existing=True))
    assert utcnow() - row.authenticated_at < timedelta(minutes=1)


def test_the_confirm_page_is_for_logged_in_people_only(client):
    assert client.get("/bevestigen").headers["Location"].startswith("/login")
