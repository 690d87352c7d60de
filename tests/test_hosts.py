"""Links in mail use the configured address only, and requests for another host are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evc import create_app
from evc.config import trusted_hosts
from evc.mail import OutboxMessage
from tests.conftest import Browserless

SITE = "https://evc.example.org"
PRODUCTION = {
    "SECRET_KEY": "x" * 32,
    "MODE": "production",
    "DATABASE_URL": "postgresql+psycopg://x/y",
}


@pytest.mark.parametrize("base_url", ["", "http://evc.example.org"])
def test_production_refuses_to_start_without_the_sites_https_address(base_url):
    with pytest.raises(RuntimeError, match="EVC_BASE_URL"):
        create_app({**PRODUCTION, "BASE_URL": base_url})


def test_production_starts_with_the_sites_address_and_serves_only_its_host():
    app = create_app({**PRODUCTION, "BASE_URL": SITE})
    assert app.config["TRUSTED_HOSTS"] == ["evc.example.org"]


def test_a_request_for_another_host_is_refused(make_app):
    app = make_app(BASE_URL=SITE)
    client = app.test_client()
    assert client.get("/wachtwoord-vergeten", base_url=SITE).status_code == 200
    refused = client.get("/wachtwoord-vergeten", base_url="https://evil.example")
    assert refused.status_code == 400


def test_a_reset_asked_through_a_forged_forwarded_host_is_refused_and_mails_nothing(
    make_app, volunteer, session
):
    app = make_app(BASE_URL=SITE, PROXY_COUNT=1)
    web = Browserless(app.test_client(), base_url=SITE)
    page = web.get("/wachtwoord-vergeten")
    assert page.status_code == 200
    forged = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
    assert web.get("/wachtwoord-vergeten", headers=forged).status_code == 400
    response = web.client.post(
        "/wachtwoord-vergeten",
        data={"email": volunteer.email},
        base_url=SITE,
        headers={**forged, "Referer": "https://evil.example/wachtwoord-vergeten"},
    )
    assert response.status_code == 400
    assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_the_reset_link_in_the_mail_is_on_the_configured_address(make_app, volunteer, session):
    app = make_app(BASE_URL=SITE, PROXY_COUNT=1)
    web = Browserless(app.test_client(), base_url=SITE)
    web.post_form("/wachtwoord-vergeten", {"email": volunteer.email})
    body = session.scalar(select(OutboxMessage.body).where(OutboxMessage.kind == "password_reset"))
    assert f"{SITE}/wachtwoord-herstellen/" in body
    assert "evil.example" not in body and "localhost" not in body


def test_without_an_address_development_serves_any_host_like_make_run(app, client):
    assert app.config["TRUSTED_HOSTS"] is None
    assert client.get("/login", base_url="http://127.0.0.1:5000").status_code == 200


def test_more_host_names_can_be_trusted_beside_the_sites_own():
    config = {"BASE_URL": SITE, "TRUSTED_HOSTS": " intern.example, evc.example.org ,"}
    assert trusted_hosts(config) == ["evc.example.org", "intern.example"]
    assert trusted_hosts({"BASE_URL": ""}) is None
