"""Invitations by coordinators, password reset, and the outbox that makes them followable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from evc.accounts.models import AccountToken, Membership, Role, User
from evc.audit import AuditEntry
from evc.db import utcnow
from evc.mail import OutboxMessage
from tests import factories

LINK_RE = re.compile(r"http://localhost(/(?:uitnodiging|wachtwoord-herstellen)/[A-Za-z0-9_\-]+)")
NEW_PASSWORD = "fietsen langs de gracht"


def invite(web, org, **fields):
    data = {
        "display_name": "Nina Nieuw",
        "email": "nina@test.example",
        "role": "volunteer",
        "language": "nl",
        **fields,
    }
    return web.post_form(
        f"/organisaties/{org.id}/leden/uitnodigen", data, form_url=f"/organisaties/{org.id}/leden"
    )


def link_in_last_mail(session, address: str) -> str:
    message = session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id.desc())
    )
    assert message is not None, f"no mail to {address}"
    return LINK_RE.search(message.body).group(1)


def test_invited_person_sets_a_password_through_the_mailed_link_and_is_logged_in(
    web, other_web, org, coordinator, session
):
    web.login(coordinator.email)
    response = invite(web, org)
    assert response.status_code == 302
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "We hebben een uitnodiging gestuurd naar nina@test.example." in page
    assert "Uitgenodigd" in page  # status in the member list

    outbox = web.get("/postvak-uit").get_data(as_text=True)
    assert "Uitnodiging voor evc van Vrijwilligerscentrum Test" in outbox
    link = link_in_last_mail(session, "nina@test.example")

    opened = other_web.open_link(link)
    form = other_web.get(opened).get_data(as_text=True)
    assert "Welkom bij evc, Nina Nieuw" in form
    response = other_web.post_form(
        opened, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert response.headers["Location"] == "/overzicht"
    dashboard = other_web.get("/overzicht").get_data(as_text=True)
    assert "Welkom, Nina Nieuw" in dashboard and "Jouw EVC-A-traject" in dashboard
    actions = session.scalars(select(AuditEntry.action)).all()
    assert {"member.invited", "invitation.accepted", "login"} <= set(actions)


def test_invitation_link_works_only_once(web, other_web, org, coordinator, session):
    web.login(coordinator.email)
    invite(web, org)
    link = link_in_last_mail(session, "nina@test.example")
    opened = other_web.open_link(link)
    other_web.post_form(opened, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    again = factories_client(web)
    response = again.get(link, follow_redirects=True)
    assert response.status_code == 410
    assert "Deze link werkt niet meer" in response.get_data(as_text=True)


def factories_client(web):
    from tests.conftest import Browserless

    return Browserless(web.client.application.test_client())


def test_expired_invitation_link_is_refused_and_changes_nothing(
    web, other_web, org, coordinator, session
):
    web.login(coordinator.email)
    invite(web, org)
    link = link_in_last_mail(session, "nina@test.example")
    opened = other_web.open_link(link)
    token = session.scalar(select(AccountToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    response = other_web.post_form(
        opened, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert response.status_code == 410
    session.expire_all()
    assert (
        session.scalar(select(User).where(User.email == "nina@test.example")).password_hash is None
    )


def test_a_new_invitation_makes_the_old_link_worthless(web, org, coordinator, session):
    web.login(coordinator.email)
    invite(web, org)
    first = link_in_last_mail(session, "nina@test.example")
    nina = session.scalar(select(User).where(User.email == "nina@test.example"))
    web.post_form(
        f"/organisaties/{org.id}/leden/{nina.id}/opnieuw-uitnodigen",
        form_url=f"/organisaties/{org.id}/leden",
    )
    second = link_in_last_mail(session, "nina@test.example")
    assert first != second
    assert factories_client(web).get(first, follow_redirects=True).status_code == 410
    assert factories_client(web).get(second, follow_redirects=True).status_code == 200


def test_weak_or_mismatched_password_on_invitation_is_explained(
    web, other_web, org, coordinator, session
):
    web.login(coordinator.email)
    invite(web, org)
    link = other_web.open_link(link_in_last_mail(session, "nina@test.example"))
    short = other_web.post_form(link, {"password": "kort", "password_repeat": "kort"})
    assert short.status_code == 422
    assert "Kies een wachtwoord van minstens 12 tekens." in short.get_data(as_text=True)
    mismatch = other_web.post_form(
        link, {"password": NEW_PASSWORD, "password_repeat": "iets anders hier"}
    )
    assert "De twee wachtwoorden zijn niet hetzelfde." in mismatch.get_data(as_text=True)
    common = other_web.post_form(
        link, {"password": "wachtwoord123", "password_repeat": "wachtwoord123"}
    )
    assert "te makkelijk te raden" in common.get_data(as_text=True)
    assert other_web.get(link).status_code == 200  # the link still works after failed tries


def test_a_long_passphrase_of_128_characters_is_accepted(web, other_web, org, coordinator, session):
    web.login(coordinator.email)
    invite(web, org)
    link = other_web.open_link(link_in_last_mail(session, "nina@test.example"))
    long_password = "de zon schijnt op het water " * 4 + "x" * 16
    assert len(long_password) == 128
    response = other_web.post_form(
        link, {"password": long_password, "password_repeat": long_password}
    )
    assert response.status_code == 302
    assert factories_client(web).login("nina@test.example", long_password).status_code == 302


def test_inviting_an_existing_person_adds_the_role_without_a_new_account(
    web, org, coordinator, session
):
    existing = factories.user(Role.VOLUNTEER, org=org, email="bestaand@test.example")
    web.login(coordinator.email)
    response = invite(web, org, email="Bestaand@test.example", role="supervisor")
    assert response.status_code == 302
    assert (
        session.scalar(select(func.count(User.id)).where(User.email == "bestaand@test.example"))
        == 1
    )
    roles = set(session.scalars(select(Membership.role).where(Membership.user_id == existing.id)))
    assert roles == {Role.VOLUNTEER, Role.SUPERVISOR}
    mail = session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "bestaand@test.example")
    )
    assert "Begeleider" in mail.body and "/uitnodiging/" not in mail.body


def test_inviting_someone_who_has_the_role_already_is_explained(web, org, coordinator, session):
    factories.user(Role.VOLUNTEER, org=org, email="bestaand@test.example", name="Bas Bestaand")
    web.login(coordinator.email)
    response = invite(web, org, email="bestaand@test.example", role="volunteer")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Dit e-mailadres heeft deze rol al in deze organisatie, of is er al voor" in page
    assert "Bas Bestaand" not in page.split("<table")[0]  # the message names no one


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"email": "geen-adres"}, "Vul een geldig e-mailadres in"),
        ({"email": ""}, "Vul een e-mailadres in."),
        ({"display_name": ""}, "Vul een naam in."),
        ({"role": "koning"}, "Not a valid choice"),
    ],
)
def test_invalid_invitation_is_explained_and_stores_nothing(
    web, org, coordinator, session, fields, message
):
    web.login(coordinator.email)
    before = session.scalar(select(func.count(User.id)))
    response = invite(web, org, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True) or fields.get("role")
    assert session.scalar(select(func.count(User.id))) == before
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_coordinator_cannot_invite_into_another_organisation(
    web, org, other_org, coordinator, session
):
    web.login(coordinator.email)
    page = web.get(f"/organisaties/{org.id}/leden").get_data(as_text=True)
    from tests.conftest import csrf_from

    response = web.client.post(
        f"/organisaties/{other_org.id}/leden/uitnodigen",
        data={
            "csrf_token": csrf_from(page),
            "display_name": "X",
            "email": "x@test.example",
            "role": "coordinator",
            "language": "nl",
        },
    )
    assert response.status_code == 404
    assert session.scalar(select(func.count(User.id)).where(User.email == "x@test.example")) == 0


def test_password_reset_by_mail_sets_a_new_password_and_ends_old_sessions(
    app, web, other_web, volunteer, session
):
    other_web.login(volunteer.email)  # an old session on another device
    response = web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
    assert "Kijk in je e-mail" in response.get_data(as_text=True)
    link = link_in_last_mail(session, volunteer.email)
    response = web.post_form(
        web.open_link(link), {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert response.headers["Location"] == "/overzicht"
    assert other_web.get("/overzicht").status_code == 302
    assert factories_client(web).get(link, follow_redirects=True).status_code == 410
    assert factories_client(web).login(volunteer.email, NEW_PASSWORD).status_code == 302


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(web, session):
    response = web.post_form("/wachtwoord-vergeten", {"email": "niemand@test.example"})
    assert response.status_code == 200
    assert "Als dit e-mailadres bij een account hoort" in response.get_data(as_text=True)
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_expired_reset_link_is_refused(web, volunteer, session):
    web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
    link = link_in_last_mail(session, volunteer.email)
    token = session.scalar(select(AccountToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    response = web.get(link, follow_redirects=True)
    assert response.status_code == 410
    assert "Nieuwe link aanvragen" in response.get_data(as_text=True)


def test_made_up_tokens_are_refused(web):
    made_up = ("/uitnodiging/verzonnen-token", "/wachtwoord-herstellen/" + "a" * 43)
    for link in made_up:
        assert web.get(link, follow_redirects=True).status_code == 410
    for page in ("/uitnodiging", "/wachtwoord-herstellen"):  # opened without a link
        assert factories_client(web).get(page).status_code == 410


def test_invitation_mail_is_in_the_invitees_language(web, org, coordinator, session):
    web.login(coordinator.email)
    invite(web, org, language="en", email="emma@test.example", display_name="Emma")
    mail = session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "emma@test.example")
    )
    assert mail.subject.startswith("Invitation")
    assert "Hello Emma," in mail.body


def test_display_name_cannot_inject_mail_headers(web, org, coordinator, session):
    web.login(coordinator.email)
    invite(web, org, display_name="Eva\r\nBcc: evil@example.org", email="eva@test.example")
    mail = session.scalar(
        select(OutboxMessage).where(OutboxMessage.to_address == "eva@test.example")
    )
    assert "\n" not in mail.subject and "\r" not in mail.subject


def test_outbox_shows_only_mail_for_people_of_ones_own_organisations(
    web, org, other_org, coordinator, session
):
    other_coordinator = factories.user(Role.COORDINATOR, org=other_org)
    outsider = factories.user(Role.VOLUNTEER, org=other_org, email="buiten@test.example")
    from evc.mail import queue_mail

    body = "alleen voor de andere organisatie"
    queue_mail(outsider, "Geheim bericht", body, organisation_id=other_org.id)
    session.commit()
    web.login(coordinator.email)
    page = web.get("/postvak-uit").get_data(as_text=True)
    assert "Geheim bericht" not in page
    assert other_coordinator  # the other organisation's coordinator would see it:
    other = factories_client(web)
    other.login(other_coordinator.email)
    assert "Geheim bericht" in other.get("/postvak-uit").get_data(as_text=True)


def test_outbox_is_not_shown_when_smtp_delivers_mail(make_app, app, coordinator):
    from tests.conftest import Browserless

    smtp_app = make_app(SMTP_HOST="smtp.invalid")
    web = Browserless(smtp_app.test_client())
    web.login(coordinator.email)
    assert web.get("/postvak-uit").status_code == 403
    assert "Verstuurde e-mail" not in web.get("/overzicht").get_data(as_text=True)


def test_password_reset_mails_are_never_shown_in_the_outbox(
    web, other_web, org, coordinator, volunteer
):
    """Otherwise a coordinator could ask a reset for a member and take over the account."""
    other_web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
    web.login(coordinator.email)
    outbox = web.get("/postvak-uit").get_data(as_text=True)
    assert "Nieuw wachtwoord instellen" not in outbox
    assert "/wachtwoord-herstellen/" not in outbox
