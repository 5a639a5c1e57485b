"""`flask reminders send`: email everyone with something overdue or due soon (cron-safe)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.assignments import reminders
from app.core.client import ClientInfo
from app.core.mail import mail_configured
from app.models.types import utcnow

reminders_cli = AppGroup("reminders", help="Reminder emails about due items.")


@reminders_cli.command("send")
@click.option("--dry-run", is_flag=True, help="List who would be reminded; send nothing.")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to compute due dates for (YYYY-MM-DD); today by default.",
)
def send(dry_run: bool, today) -> None:
    """Send one reminder per person with something overdue or due within 7 days."""
    if not dry_run and not mail_configured():
        click.echo("Mail is not configured (set MAIL_SERVER): no reminder sent.")
        return
    base_url = current_app.config.get("CHARTE_BASE_URL")
    if not base_url:
        raise click.ClickException(
            "CHARTE_BASE_URL is not set: reminders need it for their links "
            "(e.g. CHARTE_BASE_URL=https://charte.example.com). No reminder sent."
        )
    day = today.date() if today else utcnow().date()
    report = reminders.send(day, base_url, None, ClientInfo.system(), dry_run=dry_run)
    verb = "Would remind" if dry_run else "Reminded"
    for email in report.sent:
        click.echo(f"{verb} {email}")
    for email in report.failed:
        click.echo(f"FAILED {email}", err=True)
    click.echo(
        f"{len(report.sent)} {'to remind' if dry_run else 'sent'}, "
        f"{report.skipped} skipped (reminded recently), {len(report.failed)} failed."
    )


@reminders_cli.command("escalate")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day to compute overdue days for (YYYY-MM-DD); today by default.",
)
def escalate(today) -> None:
    """Tell managers, then HR, about items overdue past the configured delays (once each)."""
    from app.assignments import escalation

    day = today.date() if today else utcnow().date()
    click.echo(escalation.run(day).summary() + ".")
