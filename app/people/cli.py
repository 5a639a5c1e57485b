"""`flask users`: manage accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.core.client import ClientInfo
from app.extensions import db
from app.models.user import Role, User
from app.people import accounts, step_up

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.EMPLOYEE.value)
@click.option("--department", default="")
@click.option("--locale", type=click.Choice(["fr", "en"]), default="fr")
@click.option("--password", default=None, help="For scripts; asked interactively when omitted.")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (keeps it out of `ps`).",
)
def create_user(
    email: str,
    full_name: str,
    role: str,
    department: str,
    locale: str,
    password: str | None,
    password_stdin: bool,
) -> None:
    """Create an account with a password (the first administrator: --role admin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    data = accounts.NewUser(
        email=email, full_name=full_name, role=Role(role), department=department, locale=locale
    )
    try:
        # Every rule is checked before anything is written: a refused password leaves no
        # half-made account behind.
        address = accounts.normalise_email(email)
        accounts.check_new_password(password, password, User(email=address))
        user = accounts.create_user(data, actor=None, client=ClientInfo.system(), password=None)
        accounts.set_password(user, password, password, via="cli", client=ClientInfo.system())
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.email} ({user.role}).")


@users_cli.command("prune-step-ups")
def prune_step_ups() -> None:
    """Blank the typed name kept by expired, never-used step-ups (also done by `flask retention apply`)."""
    blanked = step_up.forget_expired()
    db.session.commit()
    click.echo(f"Blanked {blanked} expired step-up(s).")
