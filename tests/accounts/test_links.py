"""Invitation and reset links: opening one changes nothing, its token leaves the address at once,
and someone logged in as another person is asked to log out first (by POST)."""

from __future__ import annotations

from sqlalchemy import func, select

from evc.accounts.models import User, UserSession
from evc.extensions import db
from tests.accounts.test_invitations import NEW_PASSWORD, invite, link_in_last_mail
from tests.conftest import Browserless

SET_PASSWORD = {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}


def text(response) -> str:
    return response.get_data(as_text=True)


def sessions() -> int:
    return db.session.scalar(select(func.count(UserSession.id)))


def nina() -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == "nina@test.example"))


def test_a_made_up_invitation_link_logs_nobody_out(web, volunteer):
    web.login(volunteer.email)
    assert web.get("/uitnodiging/iets-verzonnen", follow_redirects=True).status_code == 410
    assert web.get("/overzicht").status_code == 200
    assert sessions() == 1


def test_someone_elses_invitation_opened_while_logged_in_asks_to_log_out_and_ends_nothing(
    web, org, coordinator, session
):
    web.login(coordinator.email)
    web.get(invite(web, org).headers["Location"])  # the member list, with its message
    page = web.get(web.open_link(link_in_last_mail(session, "nina@test.example")))
    assert page.status_code == 200
    assert "Je bent ingelogd als Cor Coördinator." in text(page)
    assert "Uitloggen en doorgaan" in text(page) and "Nina Nieuw" not in text(page)
    assert web.get("/overzicht").status_code == 200  # still logged in
    assert sessions() == 1


def test_the_password_form_posted_while_logged_in_as_someone_else_changes_nothing(
    web, org, coordinator, session
):
    web.login(coordinator.email)
    invite(web, org)
    opened = web.open_link(link_in_last_mail(session, "nina@test.example"))
    response = web.post_form(opened, SET_PASSWORD)
    assert response.status_code == 409
    assert "Je bent ingelogd als Cor Coördinator." in text(response)
    assert nina().password_hash is None
    assert "Welkom, Cor Coördinator" in text(web.get("/overzicht"))


def test_logging_out_from_that_page_continues_with_the_link(web, org, coordinator, session):
    web.login(coordinator.email)
    invite(web, org)
    opened = web.open_link(link_in_last_mail(session, "nina@test.example"))
    response = web.post_form("/uitloggen-en-doorgaan", {"next": opened}, form_url=opened)
    assert response.headers["Location"] == opened
    page = text(web.get(opened))
    assert "Je bent uitgelogd." in page and "Welkom bij evc, Nina Nieuw" in page
    assert sessions() == 0  # the coordinator's session ended, by this POST only
    assert web.post_form(opened, SET_PASSWORD).headers["Location"] == "/overzicht"
    assert "Welkom, Nina Nieuw" in text(web.get("/overzicht"))


def test_ones_own_reset_link_opened_while_logged_in_just_continues(web, volunteer, session):
    web.login(volunteer.email)
    web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
    opened = web.open_link(link_in_last_mail(session, volunteer.email))
    page = text(web.get(opened))
    assert "Nieuw wachtwoord kiezen" in page and "Je bent ingelogd als" not in page
    assert web.post_form(opened, SET_PASSWORD).headers["Location"] == "/overzicht"
    assert web.get("/overzicht").status_code == 200


def test_someone_elses_reset_link_opened_while_logged_in_ends_nothing(
    web, other_web, volunteer, coordinator, session
):
    other_web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
    web.login(coordinator.email)
    page = web.get(web.open_link(link_in_last_mail(session, volunteer.email)))
    assert "Je bent ingelogd als Cor Coördinator." in text(page)
    assert web.get("/overzicht").status_code == 200


def test_a_link_moves_its_token_to_the_session_and_redeems_once_by_post(
    web, other_web, org, coordinator, session
):
    web.login(coordinator.email)
    invite(web, org)
    link = link_in_last_mail(session, "nina@test.example")
    token = link.rsplit("/", 1)[1]
    response = other_web.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/uitnodiging"  # holds no token
    page = other_web.get("/uitnodiging")
    assert token not in text(page) and "Welkom bij evc, Nina Nieuw" in text(page)
    assert other_web.post_form("/uitnodiging", SET_PASSWORD).status_code == 302
    assert nina().password_hash is not None

    again = Browserless(web.client.application.test_client())
    assert again.get(link, follow_redirects=True).status_code == 410  # the link is spent
    other = "een ander wachtwoord dan dat"
    spent = again.post_form(again.open_link(link), {"password": other, "password_repeat": other})
    assert spent.status_code == 410
    assert Browserless(web.client.application.test_client()).login(
        "nina@test.example", NEW_PASSWORD
    )
