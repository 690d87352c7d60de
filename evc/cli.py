"""``flask --app evc evc …`` commands. Thin: they call services and commit."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from evc.config import is_production

if TYPE_CHECKING:
    from evc.accounts.models import User

evc_cli = AppGroup("evc", help="evc maintenance commands.")


@evc_cli.command("upgrade")
def upgrade_command():
    """Apply all database migrations."""
    from evc.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@evc_cli.command("check-framework")
def check_framework_command():
    """Validate every competency framework file and list what it holds."""
    from evc.framework import FrameworkError, load_directory
    from evc.protocols.loader import ProtocolError
    from evc.protocols.loader import load_directory as load_protocols

    frameworks = _loaded_or_fail(load_directory, "FRAMEWORK_DIR", FrameworkError)
    for framework in frameworks.values():
        click.echo(
            f"{framework.id} {framework.version}: {len(framework.competencies)} competencies, "
            f"{len(framework.scale)}-point scale"
        )
    protocols = _loaded_or_fail(load_protocols, "PROTOCOL_DIR", ProtocolError)
    click.echo(f"{len(protocols)} care-task protocols: {', '.join(sorted(protocols))}")


def _loaded_or_fail(load: Callable[[str], dict], setting: str, error: type[Exception]) -> dict:
    """What ``load`` reads from the folder in ``setting``; a broken file ends the command."""
    try:
        return load(current_app.config[setting])
    except error as problem:
        _fail(f"Error: {problem}")


def _fail(message: str) -> NoReturn:
    """Say what is wrong on standard error and end the command with exit code 1."""
    click.echo(message, err=True)
    sys.exit(1)


@evc_cli.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no accounts yet.")
def seed_demo_command(if_empty: bool):
    """Create demo organisations and accounts (refused in production)."""
    from evc.demo import database_is_empty, seed_demo
    from evc.extensions import db

    if is_production(current_app.config):
        _fail("Demo data is never loaded in production mode.")
    if not database_is_empty():
        if if_empty:
            click.echo("Database already has accounts; demo data left as it is.")
            return
        _fail("Database already has accounts; refusing to add demo data.")
    config = current_app.config
    _check_demo_secret(config.get("DEMO_TOTP_SECRET"))
    login = seed_demo(config.get("DEMO_PASSWORD"), config.get("DEMO_TOTP_SECRET"))
    db.session.commit()
    click.echo(_demo_accounts_banner(login.with_code, *_shown(login, config)))


def _check_demo_secret(secret: str | None) -> None:
    from evc.accounts.second_factor.services import usable_secret

    if secret and not usable_secret(secret):
        _fail("EVC_DEMO_TOTP_SECRET must be 32 base32 characters (A-Z, 2-7).")


def _shown(login, config) -> tuple[str, str, str]:
    """The password, the secret and the command that prints the current code, as the banner
    shows them: a value that was given (``EVC_DEMO_PASSWORD``, ``EVC_DEMO_TOTP_SECRET``) is
    named, never printed."""
    password = "(the value of EVC_DEMO_PASSWORD)" if config.get("DEMO_PASSWORD") else login.password
    if config.get("DEMO_TOTP_SECRET"):
        secret, source = "(the value of EVC_DEMO_TOTP_SECRET)", "os.environ['EVC_DEMO_TOTP_SECRET']"
    else:
        secret, source = login.totp_secret, f"'{login.totp_secret}'"
    command = f'.venv/bin/python -c "import os, pyotp; print(pyotp.TOTP({source}).now())"'
    return password, secret, command


def _demo_accounts_banner(with_code, password: str, secret: str, command: str) -> str:
    """The demo accounts and how to log in with them: the password, and for the accounts
    marked "+ code" (``with_code``) a code from an authenticator app set up with the secret."""
    from evc.demo import DEMO_ACCOUNTS

    lines = [
        f"  {email:<28} {name:<20} {'+ code' if email in with_code else ''}"
        for email, name, _org, _roles in DEMO_ACCOUNTS
    ]
    return (
        "\n"
        + "=" * 64
        + "\nDemo accounts created. Log in at the address below with:\n"
        + "\n".join(line.rstrip() for line in lines)
        + f"\n\n  password for all of them: {password}\n"
        + f"  authenticator secret for '+ code': {secret}\n"
        + "  Add the secret to an authenticator app, or print the current code with:\n"
        + f"  {command}\n"
        + "This is shown only once. Write it down.\n"
        + "=" * 64
    )


@evc_cli.command("send-mail")
def send_mail_command():
    """Send queued mail by SMTP (when EVC_SMTP_HOST is set)."""
    from evc.mail import send_pending

    click.echo(f"{send_pending(limit=500)} message(s) sent.")


@evc_cli.command("show-mail")
@click.argument("email")
@click.option("--count", default=3, show_default=True, help="How many of the newest messages.")
def show_mail_command(email: str, count: int):
    """Print the newest mail to EMAIL in full, links included: the recipient's mailbox while
    no mail server is set up. The outbox page shows these links masked."""
    from evc.mail import mail_to

    messages = mail_to(email, limit=count)
    if not messages:
        click.echo("No mail to this address.")
    for message in messages:
        click.echo(f"To: {message.to_address}\nSubject: {message.subject}\n\n{message.body}\n")


@evc_cli.command("send-reminders")
def send_reminders_command():
    """Mail supervisors their stalled trajectories (run daily from cron)."""
    from evc.extensions import db
    from evc.mail import send_pending
    from evc.procedure.reminders import send_stall_reminders

    count = send_stall_reminders()
    db.session.commit()
    send_pending(limit=500)
    click.echo(f"{count} reminder(s) queued.")


@evc_cli.command("send-clearance-reminders")
def send_clearance_reminders_command():
    """Mail about clearances that expire soon and VOGs due for renewal (run daily; a second run
    on the same day sends nothing new)."""
    from evc.extensions import db
    from evc.mail import send_pending
    from evc.protocols.reminders import send_expiry_reminders, send_vog_reminders

    expiring = send_expiry_reminders()
    vog = send_vog_reminders()
    db.session.commit()
    send_pending(limit=500)
    click.echo(f"{expiring} clearance reminder(s) and {vog} VOG reminder(s) queued.")


@evc_cli.command("create-admin")
@click.argument("email")
@click.argument("display_name")
def create_admin_command(email: str, display_name: str):
    """Create a site administrator and print a link to set the password."""
    from evc.accounts import services
    from evc.accounts.models import TokenPurpose
    from evc.extensions import db
    from evc.mail import absolute_url

    if services.find_user_by_email(email):
        _fail("An account with this e-mail address exists already.")
    user = _new_site_admin(email, display_name)
    token = services.issue_token(user, TokenPurpose.INVITATION, timedelta(hours=24), None)
    db.session.commit()
    link = absolute_url("accounts.invitation_link", token=token)
    click.echo(f"Site admin created. Set the password within 24 hours at: {link}")


def _new_site_admin(email: str, display_name: str) -> User:
    """A site administrator without a password: they set it through the invitation link."""
    from evc.accounts import services
    from evc.accounts.models import User
    from evc.extensions import db

    user = User(
        email=services.normalise_email(email), display_name=display_name, is_site_admin=True
    )
    db.session.add(user)
    db.session.flush()
    return user


@evc_cli.command("reset-second-factor")
@click.argument("email")
def reset_second_factor_command(email: str):
    """Remove someone's authenticator app and recovery codes (they lost both): at the next
    login they set up a new app."""
    from evc.accounts import services
    from evc.accounts.second_factor.services import remove_second_factor
    from evc.extensions import db

    user = services.find_user_by_email(email)
    if user is None:
        _fail("No account has this e-mail address.")
    remove_second_factor(user, actor=None)
    db.session.commit()
    click.echo(f"The second factor of {user.email} is removed; a new one is set up at login.")


def init_app(app) -> None:
    app.cli.add_command(evc_cli)
