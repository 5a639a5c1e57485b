"""`flask audit verify`: check every piece of evidence."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core import audit

audit_cli = AppGroup("audit", help="Check the evidence.")


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
