"""Configuration order, production guards, demo data and the set-up commands."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from evc import create_app
from evc.accounts.models import Membership, Organisation, Role, User
from evc.config import Defaults, _coerce
from evc.demo import DEMO_ACCOUNTS
from tests.authenticator import TOTP_SECRET
from tests.conftest import Browserless


def test_environment_variables_override_with_the_type_of_the_default(monkeypatch, tmp_path):
    monkeypatch.setenv("EVC_SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("EVC_SESSION_IDLE_MINUTES", "45")
    monkeypatch.setenv("EVC_SESSION_COOKIE_SECURE", "false")
    monkeypatch.setenv("EVC_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SESSION_IDLE_MINUTES"] == 45
    assert app.config["SESSION_COOKIE_SECURE"] is False
    assert app.config["SESSION_COOKIE_NAME"] == "evc_session"


def test_booleans_are_read_strictly():
    assert _coerce("0", Defaults.ALLOW_SQLITE) is False
    assert _coerce("yes", Defaults.ALLOW_SQLITE) is True


def test_app_refuses_to_start_without_a_secret_key(monkeypatch):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app({"SECRET_KEY": None})


def test_production_refuses_insecure_cookies_and_sqlite():
    base = {"SECRET_KEY": "x" * 32, "MODE": "production"}
    with pytest.raises(RuntimeError, match="SESSION_COOKIE_SECURE"):
        create_app(
            {**base, "SESSION_COOKIE_SECURE": False, "DATABASE_URL": "postgresql+psycopg://x/y"}
        )
    with pytest.raises(RuntimeError, match="EVC_DATABASE_URL"):
        create_app({**base, "DATABASE_URL": "sqlite:///x.sqlite3"})


def test_secure_cookie_uses_the_host_prefix():
    app = create_app({"SECRET_KEY": "x" * 32, "DATABASE_URL": "sqlite://"})
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-evc_session"


def test_demo_seed_creates_every_role_and_the_two_organisations(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["evc", "seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "password for all of them:" in result.output
    names = set(session.scalars(select(Organisation.name)))
    assert names == {
        "Vrijwilligerscentrum De Brug",
        "Beoordelaarspool Regio Midden",
        "Buurthuis De Schakel",
        "Gemeente Utrecht",
    }
    klantmanager = session.scalar(select(User).where(User.email == "klantmanager@example.org"))
    assert {(m.organisation.name, m.role.value) for m in klantmanager.memberships} == {
        ("Gemeente Utrecht", "coordinator"),
        ("Gemeente Utrecht", "case_manager"),
    }
    for email, _name, _org, roles in DEMO_ACCOUNTS:
        user = session.scalar(select(User).where(User.email == email))
        assert {m.role for m in user.memberships} >= set(roles)
    assessor = session.scalar(select(User).where(User.email == "beoordelaar@example.org"))
    assert [m.organisation.name for m in assessor.memberships] == ["Beoordelaarspool Regio Midden"]


def test_demo_password_printed_once_lets_each_demo_person_log_in(app, session):
    result = app.test_cli_runner().invoke(args=["evc", "seed-demo"])
    password = result.output.split("password for all of them:")[1].split()[0]
    web = Browserless(app.test_client())
    web.login("vrijwilliger@example.org", password)
    assert "Jouw EVC-A-traject" in web.get("/overzicht").get_data(as_text=True)


def test_demo_password_can_be_chosen(app):
    app.config["DEMO_PASSWORD"] = "mijn eigen demo wachtwoord"
    app.config["DEMO_TOTP_SECRET"] = TOTP_SECRET
    result = app.test_cli_runner().invoke(args=["evc", "seed-demo"])
    assert "mijn eigen demo wachtwoord" not in result.output
    assert TOTP_SECRET not in result.output
    assert "os.environ['EVC_DEMO_TOTP_SECRET']" in result.output
    Browserless(app.test_client()).login("coordinator@example.org", "mijn eigen demo wachtwoord")


def test_a_demo_secret_that_is_not_base32_is_refused_with_a_clear_message(app, session):
    app.config["DEMO_TOTP_SECRET"] = "geheim"
    result = app.test_cli_runner().invoke(args=["evc", "seed-demo"])
    assert result.exit_code == 1
    assert "EVC_DEMO_TOTP_SECRET must be 32 base32 characters" in result.output
    assert session.scalar(select(func.count(User.id))) == 0


def test_the_printed_secret_gives_the_demo_coordinator_a_code(app, authenticator):
    result = app.test_cli_runner().invoke(args=["evc", "seed-demo"])
    password = result.output.split("password for all of them:")[1].split()[0]
    secret = result.output.split("authenticator secret for '+ code':")[1].split()[0]
    assert f"pyotp.TOTP('{secret}').now()" in result.output
    coordinator_line = next(line for line in result.output.splitlines() if "Carla" in line)
    volunteer_line = next(line for line in result.output.splitlines() if "Vera" in line)
    assert coordinator_line.endswith("+ code") and not volunteer_line.endswith("+ code")
    instructor_line = next(line for line in result.output.splitlines() if "Bram" in line)
    assert instructor_line.endswith("+ code")  # Bram is an instructor too
    web = Browserless(app.test_client())
    response = web.post_form("/login", {"email": "coordinator@example.org", "password": password})
    assert response.headers["Location"] == "/login/code"
    web.enter_code("coordinator@example.org", secret)
    assert "Welkom, Carla" in web.get("/overzicht").get_data(as_text=True)


def test_second_seed_keeps_all_data(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["evc", "seed-demo", "--if-empty"])
    before = session.scalar(select(func.count(Membership.id)))
    result = runner.invoke(args=["evc", "seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert "left as it is" in result.output
    assert session.scalar(select(func.count(Membership.id))) == before
    assert runner.invoke(args=["evc", "seed-demo"]).exit_code == 1


def test_demo_data_is_refused_in_production(app, session):
    app.config["MODE"] = "production"
    result = app.test_cli_runner().invoke(args=["evc", "seed-demo", "--if-empty"])
    assert result.exit_code == 1
    assert "never loaded in production" in result.output
    assert session.scalar(select(func.count(User.id))) == 0


def test_create_admin_prints_a_single_use_link(app, session):
    app.config["BASE_URL"] = "https://evc.example.org"
    result = app.test_cli_runner().invoke(
        args=["evc", "create-admin", "admin@test.example", "Ada Admin"]
    )
    assert result.exit_code == 0
    link = result.output.strip().split(" at: ")[1]
    assert link.startswith("https://evc.example.org/uitnodiging/")
    admin = session.scalar(select(User).where(User.email == "admin@test.example"))
    assert admin.is_site_admin and admin.password_hash is None
    assert Role  # roles stay empty for a site admin
    assert admin.memberships == []


def test_demo_has_a_portfolio_waiting_for_the_assessor_and_one_assessed(app):
    app.config["DEMO_PASSWORD"] = "mijn eigen demo wachtwoord"
    app.config["DEMO_TOTP_SECRET"] = TOTP_SECRET
    app.test_cli_runner().invoke(args=["evc", "seed-demo"])
    web = Browserless(app.test_client())
    web.login("beoordelaar@example.org", "mijn eigen demo wachtwoord")
    queue = web.get("/beoordelingen").get_data(as_text=True)
    assert "Femke Bakker" in queue and "wacht op verklaring" in queue
    assert "Samira Haddou" in queue and "rapport definitief" in queue
    volunteer = Browserless(app.test_client())
    volunteer.login("samira@example.org", "mijn eigen demo wachtwoord")
    page = volunteer.get("/overzicht").get_data(as_text=True)
    assert "Eindgesprek" in page


def test_demo_has_a_completed_trajectory_whose_certificate_verifies(app, session):
    from evc.certificates.models import Certificate

    app.config["DEMO_PASSWORD"] = "mijn eigen demo wachtwoord"
    app.test_cli_runner().invoke(args=["evc", "seed-demo"])
    certificate = session.scalar(select(Certificate))
    assert certificate.holder_name == "Lotte de Boer" and not certificate.is_revoked
    page = app.test_client().get(f"/controleren/{certificate.number}").get_data(as_text=True)
    assert "Dit bewijs is echt en geldig" in page and "Systematisch werken" in page
    volunteer = Browserless(app.test_client())
    volunteer.login("lotte@example.org", "mijn eigen demo wachtwoord")
    assert volunteer.get(f"/certificaten/{certificate.id}/pdf").data == certificate.pdf
