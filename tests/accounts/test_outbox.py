"""The outbox ("Verstuurde e-mail") never hands out a usable single-use link: whoever reads
someone else's mail there cannot use that person's invitation, referee or reset link. The
recipient gets the link itself by mail."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from evc.accounts.models import Role
from evc.extensions import db
from evc.mail import OutboxMessage, masked_body
from evc.portfolio import services as portfolio
from evc.procedure.phases import Phase
from tests import factories
from tests.accounts.test_invitations import invite
from tests.conftest import Browserless
from tests.mailserver import MailServer

TOKEN_ROUTES = ("/uitnodiging/", "/verklaring/", "/wachtwoord-herstellen/")
LINK_RE = re.compile(r"https?://\S+?(/(?:uitnodiging|verklaring|wachtwoord-herstellen)/[\w\-]+)")
WORD_RE = re.compile(r"[A-Za-z0-9_\-]{16,}")


def fresh(web) -> Browserless:
    return Browserless(web.client.application.test_client())


def _ask_a_referee(org, volunteer) -> None:
    supervisor = factories.user(Role.SUPERVISOR, org=org)
    trajectory = factories.trajectory(
        org, volunteer=volunteer, supervisor=supervisor, phase=Phase.RECOGNITION
    )
    factories.intake(trajectory)
    factories.choose(trajectory, "communicating")
    fields = {
        "kind": "referee_statement",
        "title": "Verklaring van de buurthuisleider",
        "description": "Vera regelt de uitgifte.",
        "activity_from": date.today() - timedelta(days=30),
        "activity_to": None,
        "work_context": "Buurthuis De Linde",
    }
    item = portfolio.add_evidence(
        trajectory, fields, ["communicating"], upload=None, original_name=None, actor=volunteer
    )
    portfolio.request_referee(
        item, name="Joke de Wit", role="Leider", email="joke@test.example", actor=volunteer
    )
    db.session.commit()


@pytest.fixture
def mail_with_links(web, other_web, org, other_org, coordinator, volunteer, session):
    """One mail of each kind that carries a single-use link, all in the outbox."""
    outsider = factories.user(Role.VOLUNTEER, org=other_org, email="olga@test.example")
    web.login(coordinator.email)
    invite(web, org, email="nina@test.example")  # a new person
    invite(web, org, email=outsider.email)  # an account of another organisation
    other_web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
    _ask_a_referee(org, volunteer)
    bodies = session.scalars(select(OutboxMessage.body)).all()
    links = [match for body in bodies for match in LINK_RE.findall(body)]
    assert {link.split("/")[1] for link in links} == {
        "uitnodiging",
        "verklaring",
        "wachtwoord-herstellen",
    }
    return links


def _redeems(client: Browserless, path: str) -> bool:
    return client.get(path, follow_redirects=True).status_code == 200


def test_no_token_visible_in_the_outbox_redeems(web, org, mail_with_links):
    visitor = fresh(web)
    assert all(_redeems(visitor, link) for link in mail_with_links)  # the real links work
    admin = fresh(web)
    admin.login(factories.user(site_admin=True).email)
    for reader in (web, admin):
        outbox = reader.get("/postvak-uit").get_data(as_text=True)
        assert "…/uitnodiging/••••••" in outbox and "…/verklaring/••••••" in outbox
        candidates = set(WORD_RE.findall(outbox))
        for word in candidates:
            for route in TOKEN_ROUTES:
                assert not _redeems(visitor, route + word), (route, word)
        assert not any(link.split("/")[-1] in outbox for link in mail_with_links)


def test_every_route_with_a_token_is_masked(app):
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "token" in rule.arguments:
                token = "x" * 20 + "Token0123-_" + "y" * 12
                url = url_for(rule.endpoint, token=token, _external=True)
                shown = masked_body(f"Open deze link:\n{url}\nTot ziens")
                assert token not in shown and "••••••" in shown, rule.rule
                assert shown.startswith("Open deze link:\n…/") and shown.endswith("\nTot ziens")


def test_the_outbox_points_to_sending_an_invitation_again(web, org, coordinator):
    web.login(coordinator.email)
    invite(web, org, email="nina@test.example")
    outbox = web.get("/postvak-uit").get_data(as_text=True)
    assert "Uitnodiging opnieuw sturen via Mensen en rollen" in outbox
    assert f'href="/organisaties/{org.id}/leden"' in outbox


def test_with_a_mail_server_the_invitee_gets_the_whole_link_by_mail(make_app, app, org):
    with MailServer() as server:
        mailing = make_app(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False)
        coordinator = factories.user(Role.COORDINATOR, org=org)
        web = Browserless(mailing.test_client())
        web.login(coordinator.email)
        invite(web, org, email="nina@test.example", display_name="Nina Nieuw")
        (body,) = server.mailbox("nina@test.example")
    link = LINK_RE.search(body).group(1)
    page = fresh(web).get(link, follow_redirects=True).get_data(as_text=True)
    assert "Welkom bij evc, Nina Nieuw" in page
    assert web.get("/postvak-uit").status_code == 403  # with a mail server: no outbox page


def test_without_a_mail_server_the_command_line_shows_the_recipient_the_whole_link(
    app, web, org, coordinator
):
    web.login(coordinator.email)
    invite(web, org, email="nina@test.example", display_name="Nina Nieuw")
    result = app.test_cli_runner().invoke(args=["evc", "show-mail", "Nina@test.example"])
    assert result.exit_code == 0
    link = LINK_RE.search(result.output).group(1)
    page = fresh(web).get(link, follow_redirects=True).get_data(as_text=True)
    assert "Welkom bij evc, Nina Nieuw" in page
