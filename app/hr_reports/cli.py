"""`flask dashboard`: the HR dashboard's shared figures."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.hr_reports import snapshots
from app.models.types import utcnow

dashboard_cli = AppGroup("dashboard", help="The HR dashboard's shared figures.")


@dashboard_cli.command("refresh")
def dashboard_refresh() -> None:
    """Compute today's dashboard figures now (from cron, say at 6:00, so that nobody waits for
    them when first opening the dashboard of the day)."""
    figures = snapshots.recent(utcnow().date(), 0)
    click.echo(
        f"Dashboard figures for {figures.people} people computed at "
        f"{figures.computed_at:%H:%M:%S} UTC."
    )
