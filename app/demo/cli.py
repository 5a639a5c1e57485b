"""`flask demo`: load the demo organisation, optionally with generated employees."""

from __future__ import annotations

import click

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
def demo_command(employees: int, seed: int) -> None:
    """Load the demo organisation and accounts (running it again changes nothing)."""
    created = demo.load_demo()
    if employees:
        generated = bulk.generate(employees, seed=seed)
        click.echo(f"{generated} generated employee(s) added ({employees} requested).")
    click.echo(
        "Demo data ready"
        + (f" ({created} accounts created)." if created else " (already loaded, nothing changed).")
    )
    click.echo("Sign in at http://127.0.0.1:5000 with one of these accounts:")
    for email, role, password in demo.demo_accounts():
        click.echo(f"  {role:<9} {email:<32} {password}")
