"""`flask demo`: load the demo organisation, optionally with generated employees."""

from __future__ import annotations

import click
from flask import current_app

from app.demo import bulk
from app.demo import seed as demo


@click.command("demo")
@click.option(
    "--employees",
    "employees",
    type=click.IntRange(min=0),
    default=0,
    help="Also generate this many employees with history (bulk inserts; existing ones kept).",
)
@click.option("--seed", type=int, default=2026, help="Seed of the generated history.")
@click.option(
    "--i-know-this-is-not-production",
    "not_production",
    is_flag=True,
    help="Load the demo even though CHARTE_ENV=production (a staging copy, say).",
)
def demo_command(employees: int, seed: int, not_production: bool) -> None:
    """Load the demo organisation and accounts (running it again changes nothing)."""
    # The demo accounts' password is printed in the README: on a real instance they are a door.
    if current_app.config.get("CHARTE_ENV") == "production" and not not_production:
        raise click.ClickException(
            "CHARTE_ENV=production: refusing to create the demo accounts, whose password is "
            "published. Create the first administrator with `flask users create --role admin "
            "--email … --name …`. (On a copy that is not production, add "
            "--i-know-this-is-not-production.)"
        )
    created = demo.load_demo()
    if employees:
        generated = bulk.generate(employees, seed=seed)
        click.echo(f"{generated} generated employee(s) added ({employees} requested).")
    click.echo(
        "Demo data ready"
        + (f" ({created} accounts created)." if created else " (already loaded, nothing changed).")
    )
    # Where the app is actually served: `make run` passes its HOST and PORT as CHARTE_BIND,
    # which is also what links in invitations use (CHARTE_BASE_URL, when set, wins).
    url = current_app.config["CHARTE_BASE_URL"].rstrip("/")
    click.echo(f"Sign in at {url} with one of these accounts:")
    for email, role, password in demo.demo_accounts():
        click.echo(f"  {role:<9} {email:<32} {password}")
