"""A coordinator sees, changes and audits memberships of his own organisation only: the whole
account, and anything about the site administrator, stay out of his reach."""

from __future__ import annotations

from sqlalchemy import select

from evc.accounts.models import Membership, Role, User
from evc.audit import log_action
from evc.mail import queue_mail
from evc.procedure.services import notify
from tests import factories
from tests.accounts.test_invitations import NEW_PASSWORD, invite, link_in_last_mail
from tests.conftest import Browserless


def fresh(web) -> Browserless:
    return Browserless(web.client.application.test_client())


def shared_member(org, other_org) -> User:
    """Vera, a volunteer of both organisations."""
    return factories.user(
        (org, Role.VOLUNTEER),
        (other_org, Role.VOLUNTEER),
        email="vera@test.example",
        name="Vera Gedeeld",
    )


def members_path(organisation, user=None) -> str:
    base = f"/organisaties/{organisation.id}/leden"
    return f"{base}/{user.id}" if user else base


def test_a_coordinator_cannot_block_an_account(web, org, coordinator, volunteer, session):
    web.login(coordinator.email)
    page = web.get(members_path(org, volunteer)).get_data(as_text=True)
    assert "Account blokkeren" not in page
    response = web.post_form(
        f"{members_path(org, volunteer)}/blokkeren", form_url=members_path(org)
    )
    assert response.status_code == 404
    session.expire_all()
    assert session.get(User, volunteer.id).is_active_account


def test_the_site_administrator_blocks_an_account_for_every_organisation(
    web, other_web, org, other_org, session
):
    vera = shared_member(org, other_org)
    other_web.login(vera.email)
    admin = factories.user(site_admin=True)
    web.login(admin.email)
    page = web.get(members_path(org, vera)).get_data(as_text=True)
    assert "ook bij andere organisaties" in page
    web.post_form(f"{members_path(org, vera)}/blokkeren", form_url=members_path(org, vera))
    assert other_web.get("/overzicht").status_code == 302
    session.expire_all()
    assert not session.get(User, vera.id).is_active_account


def test_a_coordinator_ends_a_membership_and_the_account_and_other_roles_stay(
    web, other_web, org, other_org, session
):
    vera = shared_member(org, other_org)
    boss = factories.user(Role.COORDINATOR, org=other_org)
    web.login(boss.email)
    path = members_path(other_org, vera)
    response = web.post_form(f"{path}/lidmaatschap-beeindigen", form_url=path)
    page = web.get(response.headers["Location"]).get_data(as_text=True)
    assert "Vera Gedeeld hoort niet meer bij deze organisatie." in page
    session.expire_all()
    roles = session.execute(
        select(Membership.organisation_id, Membership.role).where(Membership.user_id == vera.id)
    ).all()
    assert roles == [(org.id, Role.VOLUNTEER)]
    assert other_web.login(vera.email).status_code == 302
    log = web.get(f"/organisaties/{other_org.id}/logboek").get_data(as_text=True)
    assert "Uit de organisatie gehaald" in log


def test_a_coordinator_changes_nothing_about_the_site_administrator(web, org, coordinator, session):
    admin = factories.user(Role.VOLUNTEER, Role.COORDINATOR, org=org, site_admin=True)
    web.login(coordinator.email)
    path = members_path(org, admin)
    for action in ("rol-verwijderen/volunteer", "lidmaatschap-beeindigen"):
        response = web.post_form(f"{path}/{action}", form_url=path)
        assert "Alleen de sitebeheerder" in web.get(response.headers["Location"]).get_data(
            as_text=True
        )
    web.post_form(f"{path}/rol-toevoegen", {"role": "supervisor"}, form_url=path)
    assert web.post_form(f"{path}/blokkeren", form_url=path).status_code == 404
    session.expire_all()
    admin = session.get(User, admin.id)
    assert admin.is_active_account
    assert admin.roles_in(org.id) == {Role.VOLUNTEER, Role.COORDINATOR}


def test_the_audit_log_shows_no_event_of_another_organisation_on_a_shared_member(
    web, other_web, org, other_org, session
):
    vera = shared_member(org, other_org)
    log_action("evidence.commented", actor=vera, organisation_id=org.id, obj=vera)
    session.commit()
    other_web.login(vera.email)  # her login, from whichever organisation she works for
    boss = factories.user(Role.COORDINATOR, org=other_org)
    web.login(boss.email)
    log = web.get(f"/organisaties/{other_org.id}/logboek").get_data(as_text=True)
    assert "Vera Gedeeld" not in log
    assert "Ingelogd" not in log and "Reactie" not in log


def test_the_outbox_shows_no_mail_another_organisation_sent_to_a_shared_member(
    web, org, other_org, coordinator, session
):
    vera = shared_member(org, other_org)
    supervisor = factories.user(Role.SUPERVISOR, org=org, name="Bea Begeleider")
    trajectory = factories.trajectory(org, volunteer=vera, supervisor=supervisor)
    notify(
        vera,
        "email/trajectory_started.txt",
        "Je traject is gestart",
        trajectory,
        supervisor=supervisor,
    )
    queue_mail(vera, "Over je account", "Alleen voor Vera zelf.")
    session.commit()
    boss = factories.user(Role.COORDINATOR, org=other_org)
    intruder = fresh(web)
    intruder.login(boss.email)
    outbox = intruder.get("/postvak-uit").get_data(as_text=True)
    assert "Je traject is gestart" not in outbox and "Bea Begeleider" not in outbox
    assert "Over je account" not in outbox
    web.login(coordinator.email)
    own = web.get("/postvak-uit").get_data(as_text=True)
    assert "Je traject is gestart" in own and "Over je account" not in own


def test_a_coordinator_sees_only_the_roles_of_his_own_organisation(web, org, other_org, session):
    vera = shared_member(org, other_org)
    supervisor_elsewhere = factories.user(
        (org, Role.SUPERVISOR), (other_org, Role.VOLUNTEER), name="Sam Samen"
    )
    boss = factories.user(Role.COORDINATOR, org=other_org)
    web.login(boss.email)
    page = web.get(members_path(other_org, supervisor_elsewhere)).get_data(as_text=True)
    assert "Begeleider" not in page.split("Nieuwe rol")[0]
    assert "Vrijwilligerscentrum Test" not in web.get(members_path(other_org, vera)).text


def test_the_inviting_organisation_reads_that_its_invitee_started(
    web, other_web, org, coordinator, session
):
    web.login(coordinator.email)
    invite(web, org, email="nina@test.example", display_name="Nina Nieuw")
    link = link_in_last_mail(session, "nina@test.example")
    opened = other_web.open_link(link)
    other_web.post_form(opened, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    log = web.get(f"/organisaties/{org.id}/logboek").get_data(as_text=True)
    assert "Uitnodiging aangenomen" in log and "Nina Nieuw" in log
    assert "Ingelogd" not in log  # her logins stay hers
