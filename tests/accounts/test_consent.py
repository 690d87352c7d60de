"""An existing account gets a role in another organisation only when the person accepts it,
logged in as themselves; the inviting organisation cannot tell whether the address had an
account."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from evc.accounts.models import Membership, OfferStatus, Role, RoleOffer, User
from evc.audit import AuditEntry
from evc.db import utcnow
from evc.mail import OutboxMessage, masked_body
from tests import factories
from tests.accounts.test_invitations import NEW_PASSWORD, invite, link_in_last_mail
from tests.conftest import Browserless


def fresh(web) -> Browserless:
    return Browserless(web.client.application.test_client())


def roles_of(session, user, organisation) -> set[Role]:
    session.expire_all()
    return set(
        session.scalars(
            select(Membership.role).where(
                Membership.user_id == user.id, Membership.organisation_id == organisation.id
            )
        )
    )


def other_coordinator_logged_in(web, other_org) -> User:
    boss = factories.user(Role.COORDINATOR, org=other_org, email="baas@andere.example")
    web.login(boss.email)
    return boss


def test_inviting_an_existing_account_adds_no_role_until_she_accepts_it_herself(
    web, other_web, org, other_org, volunteer, session
):
    other_coordinator_logged_in(web, other_org)
    response = invite(web, other_org, email=volunteer.email, display_name="Vera")
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert f"We hebben een uitnodiging gestuurd naar {volunteer.email}." in page
    assert "Vera Vrijwilliger" not in page  # the account's own name is never shown
    assert roles_of(session, volunteer, other_org) == set()

    link = link_in_last_mail(session, volunteer.email)  # what arrives in her mailbox
    landing = other_web.get(link, follow_redirects=True).get_data(as_text=True)
    assert "Log in met je eigen account" in landing
    assert other_web.get("/overzicht").status_code == 302  # the link logged no one in

    other_web.login(volunteer.email)
    dashboard = other_web.get("/overzicht").get_data(as_text=True)
    assert "Uitnodiging van Andere Organisatie" in dashboard
    offer = session.scalar(select(RoleOffer))
    response = other_web.post_form(f"/uitnodigingen/{offer.id}/aannemen", form_url="/overzicht")
    assert "Je hoort nu ook bij Andere Organisatie." in other_web.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    assert roles_of(session, volunteer, other_org) == {Role.VOLUNTEER}
    assert roles_of(session, volunteer, org) == {Role.VOLUNTEER}


def test_the_invitation_link_of_an_existing_account_sets_no_password(
    web, other_web, org, other_org, volunteer, session
):
    old_hash = volunteer.password_hash
    other_coordinator_logged_in(web, other_org)
    invite(web, other_org, email=volunteer.email)
    link = link_in_last_mail(session, volunteer.email)
    # Even someone holding the link cannot choose her password or log in through it.
    opened = other_web.open_link(link)
    response = other_web.post_form(
        opened, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}, form_url="/login"
    )
    assert response.status_code == 200
    assert other_web.get("/overzicht").status_code == 302
    session.expire_all()
    assert session.get(User, volunteer.id).password_hash == old_hash


def _invitation_as_the_inviter_sees_it(session, address: str, name: str) -> str:
    mail = session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == address))
    return (
        (mail.subject + "\n" + masked_body(mail.body))
        .replace(address, "ADRES")
        .replace(name, "NAAM")
    )


def test_the_invite_form_and_mail_look_the_same_with_or_without_an_account(
    web, org, other_org, volunteer, session
):
    other_coordinator_logged_in(web, other_org)
    new = invite(web, other_org, email="nieuw@test.example", display_name="Nora")
    existing = invite(web, other_org, email=volunteer.email, display_name="Vera")
    assert new.status_code == existing.status_code == 302
    assert new.headers["Location"] == existing.headers["Location"]
    assert _invitation_as_the_inviter_sees_it(
        session, "nieuw@test.example", "Nora"
    ) == _invitation_as_the_inviter_sees_it(session, volunteer.email, "Vera")
    members = web.get(f"/organisaties/{other_org.id}/leden").get_data(as_text=True)
    assert members.count("Uitgenodigd</span>") == 2
    assert "Vera Vrijwilliger" not in members


def test_a_pending_invitee_of_one_organisation_is_not_taken_over_by_another(
    web, other_web, org, other_org, coordinator, session
):
    web.login(coordinator.email)
    invite(web, org, email="nina@test.example", display_name="Nina Nieuw")
    own_link = link_in_last_mail(session, "nina@test.example")
    intruder = fresh(web)
    other_coordinator_logged_in(intruder, other_org)
    invite(intruder, other_org, email="nina@test.example", display_name="Nina")
    their_link = link_in_last_mail(session, "nina@test.example")

    nina = session.scalar(select(User).where(User.email == "nina@test.example"))
    assert roles_of(session, nina, other_org) == set()
    outbox = intruder.get("/postvak-uit").get_data(as_text=True)
    assert their_link not in outbox and own_link not in outbox
    response = other_web.post_form(
        other_web.open_link(their_link),
        {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
        form_url="/login",
    )
    assert response.status_code == 200 and other_web.get("/overzicht").status_code == 302

    # Her own organisation's link still works; then she decides on the other invitation.
    other_web.post_form(
        other_web.open_link(own_link), {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert "Uitnodiging van Andere Organisatie" in other_web.get("/overzicht").get_data(
        as_text=True
    )


def test_declining_adds_no_role_and_the_log_names_no_one(
    web, other_web, org, other_org, volunteer, session
):
    other_coordinator_logged_in(web, other_org)
    invite(web, other_org, email=volunteer.email, display_name="Vera")
    offer = session.scalar(select(RoleOffer))
    other_web.login(volunteer.email)
    response = other_web.post_form(f"/uitnodigingen/{offer.id}/afslaan", form_url="/overzicht")
    assert response.status_code == 302
    assert roles_of(session, volunteer, other_org) == set()
    assert "Uitnodiging van" not in other_web.get("/overzicht").get_data(as_text=True)
    log = web.get(f"/organisaties/{other_org.id}/logboek").get_data(as_text=True)
    assert "Uitnodiging afgeslagen" in log and "Vera Vrijwilliger" not in log


def test_only_the_invited_account_can_answer_an_offer(
    web, other_web, org, other_org, volunteer, session
):
    other_coordinator_logged_in(web, other_org)
    invite(web, other_org, email=volunteer.email)
    offer = session.scalar(select(RoleOffer))
    # Neither the inviter nor anyone else can accept it in her name.
    response = web.post_form(f"/uitnodigingen/{offer.id}/aannemen", form_url="/overzicht")
    assert response.status_code == 404
    someone = factories.user(Role.VOLUNTEER, org=org)
    other_web.login(someone.email)
    response = other_web.post_form(f"/uitnodigingen/{offer.id}/aannemen", form_url="/overzicht")
    assert response.status_code == 404
    assert roles_of(session, volunteer, other_org) == set()
    assert roles_of(session, someone, other_org) == set()


def test_sending_an_offer_again_voids_the_old_link_and_withdrawing_ends_it(
    web, other_web, org, other_org, volunteer, session
):
    other_coordinator_logged_in(web, other_org)
    invite(web, other_org, email=volunteer.email, display_name="Vera")
    first = link_in_last_mail(session, volunteer.email)
    offer = session.scalar(select(RoleOffer))
    page = f"/organisaties/{other_org.id}/uitnodigingen/{offer.id}"
    assert "Uitnodiging opnieuw sturen" in web.get(page).get_data(as_text=True)
    web.post_form(f"{page}/opnieuw-sturen", form_url=page)
    second = link_in_last_mail(session, volunteer.email)
    assert first != second
    assert other_web.get(first, follow_redirects=True).status_code == 410
    assert other_web.get(second, follow_redirects=True).status_code == 200
    web.post_form(f"{page}/intrekken", form_url=page)
    assert other_web.get(second, follow_redirects=True).status_code == 410
    other_web.login(volunteer.email)
    assert "Uitnodiging van" not in other_web.get("/overzicht").get_data(as_text=True)
    assert session.get(RoleOffer, offer.id).status == OfferStatus.WITHDRAWN


def test_an_expired_offer_cannot_be_accepted(web, other_web, org, other_org, volunteer, session):
    other_coordinator_logged_in(web, other_org)
    invite(web, other_org, email=volunteer.email)
    offer = session.scalar(select(RoleOffer))
    offer.expires_at = utcnow() - timedelta(minutes=1)
    session.commit()
    other_web.login(volunteer.email)
    assert "Uitnodiging van" not in other_web.get("/overzicht").get_data(as_text=True)
    other_web.post_form(f"/uitnodigingen/{offer.id}/aannemen", form_url="/overzicht")
    assert roles_of(session, volunteer, other_org) == set()


def test_the_site_administrator_is_asked_too(web, other_web, org, other_org, session):
    admin = factories.user(site_admin=True, email="beheer@test.example")
    other_coordinator_logged_in(web, other_org)
    invite(web, other_org, email=admin.email, role="coordinator")
    assert roles_of(session, admin, other_org) == set()
    assert not re.search(r"/uitnodiging/[A-Za-z0-9_\-]{20,}", web.get("/postvak-uit").text)
    actions = set(session.scalars(select(AuditEntry.action)))
    assert "role.added" not in actions


def test_inviting_twice_answers_the_same_with_or_without_an_account(
    web, org, other_org, volunteer, session
):
    other_coordinator_logged_in(web, other_org)
    answers = []
    for address in ("nieuw@test.example", volunteer.email):
        invite(web, other_org, email=address)
        again = invite(web, other_org, email=address)
        page = again.get_data(as_text=True)
        answers.append((again.status_code, "heeft deze rol al in deze organisatie, of is" in page))
    assert answers == [(422, True), (422, True)]
