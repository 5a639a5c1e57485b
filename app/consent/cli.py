"""`flask consent sync`: import consent purposes and text versions from content/consent."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.consent import texts
from app.core.client import ClientInfo

consent_cli = AppGroup("consent", help="Image-use consent purposes.")


@consent_cli.command("sync")
def consent_sync() -> None:
    """Import new consent purposes and text versions from content/consent."""
    try:
        report = texts.sync_from_files(actor=None, client=ClientInfo.system())
    except texts.ConsentTextError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"{len(report.purposes_created)} purpose(s) created, "
        f"{len(report.texts_added)} text version(s) added."
    )
    for conflict in report.conflicts:
        click.echo(f"CHANGED WITHOUT NEW VERSION (not imported): {conflict}", err=True)
