"""`flask audit verify` and `seal-existing`; `flask keys rotate`."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import audit, keys
from app.core.audit_actions import AuditAction
from app.extensions import db

audit_cli = AppGroup("audit", help="Check the evidence.")
keys_cli = AppGroup("keys", help="Evidence MAC keys (separate from SECRET_KEY).")


@audit_cli.command("verify")
def verify() -> None:
    """Recompute the audit chain and every evidence seal; exit 1 naming every broken row."""
    report = audit.verify_all()
    counts = ", ".join(f"{n} {what}" for what, n in report.checked.items())
    if report.ok:
        click.echo(f"OK: {counts} verified.")
        return
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    raise SystemExit(1)


@audit_cli.command("seal-existing")
def seal_existing() -> None:
    """Seal the rows recorded before their kind was sealed (once, after upgrading)."""
    from app.evidence import seals

    done = seals.seal_existing()
    if not done:
        click.echo("Nothing to seal: every row is already sealed and named in the audit log.")
        return
    for table, count in done.items():
        click.echo(f"{table}: {count} row(s) sealed and named in the audit entry evidence.sealed")


@keys_cli.command("rotate")
def rotate() -> None:
    """Add a new evidence key and make it current; old keys stay to verify what they sealed."""
    try:
        old, new = keys.rotate(current_app)
    except keys.EvidenceKeyError as exc:
        raise click.ClickException(str(exc)) from exc
    audit.record(
        AuditAction.EVIDENCE_KEY_ROTATED,
        actor=None,
        target_type="evidence_key",
        target_id=new,
        details={"from": keys.label(old), "to": new},
    )
    db.session.commit()
    click.echo(
        f"New evidence key {new} is current (was {old}). Old keys are kept for verification; "
        "back up the key file now. Running workers pick it up on their next seal."
    )
