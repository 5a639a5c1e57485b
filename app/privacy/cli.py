"""`flask retention apply`: pseudonymise the records of people who left."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.privacy import retention

retention_cli = AppGroup("retention", help="Pseudonymise the records of people who left.")


@retention_cli.command("apply")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The date to compute the retention period from (default: today, UTC).",
)
def retention_apply(today) -> None:
    """Pseudonymise everyone who left more than the retention period ago (audited)."""
    try:
        purges = retention.apply(today.date() if today else None)
    except retention.RetentionError as exc:
        raise click.ClickException(
            f"{exc}: run `flask audit verify`; nothing changed for them"
        ) from exc
    for purge in purges:
        click.echo(f"Pseudonymised user {purge.user_id} as {purge.pseudonym}.")
    click.echo(f"{len(purges)} person(s) pseudonymised.")
