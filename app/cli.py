"""Command-line groups (users, demo, audit, policy, consent, retention, dashboard, content);
they call services."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.assignments.cli import reminders_cli
from app.consent import texts
from app.core import audit
from app.core.client import ClientInfo
from app.demo import bulk
from app.demo import seed as demo
from app.hr_reports import snapshots
from app.integrations.cli import webhooks_cli
from app.learn.cli import content_cli
from app.models.types import utcnow
from app.models.user import Role
from app.people import accounts
from app.policy import versions
from app.privacy import retention

users_cli = AppGroup("users", help="Manage accounts.")
audit_cli = AppGroup("audit", help="Check the evidence.")
policy_cli = AppGroup("policy", help="Publish policy versions.")
consent_cli = AppGroup("consent", help="Image-use consent purposes.")
retention_cli = AppGroup("retention", help="Pseudonymise the records of people who left.")
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


@audit_cli.command("verify")
def verify() -> None:
    """Recompute the audit chain and every evidence MAC; exit 1 naming the first broken entry."""
    report = audit.verify_all()
    counts = ", ".join(f"{n} {what}" for what, n in report.checked.items())
    if report.ok:
        click.echo(f"OK: {counts} verified.")
        return
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    raise SystemExit(1)


@policy_cli.command("publish")
@click.option(
    "--version", "version", type=int, required=True, help="Version number in content/policy."
)
def publish_policy(version: int) -> None:
    """Publish a version of the policy from content/policy (for scripted installs)."""
    try:
        versions.publish(version, actor=None, client=ClientInfo.system())
    except versions.PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Published policy version {version}.")


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


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(policy_cli)
    app.cli.add_command(consent_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(dashboard_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(content_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(webhooks_cli)
