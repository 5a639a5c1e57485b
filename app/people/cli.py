"""`flask users`: manage accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.client import ClientInfo
from app.models.user import Role
from app.people import accounts

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.EMPLOYEE.value)
@click.option("--department", default="")
@click.option("--locale", type=click.Choice(["fr", "en"]), default="fr")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked interactively when omitted.",
)
def create_user(
    email: str, full_name: str, role: str, department: str, locale: str, password: str
) -> None:
    """Create an account with a password."""
    data = accounts.NewUser(
        email=email, full_name=full_name, role=Role(role), department=department, locale=locale
    )
    try:
        user = accounts.create_user(data, actor=None, client=ClientInfo.system(), password=None)
        accounts.set_password(user, password, password, via="cli", client=ClientInfo.system())
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.email} ({user.role}).")
