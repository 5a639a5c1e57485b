"""`flask audit verify`, `witness` and `seal-existing`; `flask keys rotate`; `flask signing-key`."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import audit, keys
from app.core.audit_actions import AuditAction
from app.evidence import signing_keys, witness
from app.extensions import db

audit_cli = AppGroup("audit", help="Check the evidence.")
keys_cli = AppGroup("keys", help="Evidence MAC keys (separate from SECRET_KEY).")
signing_key_cli = AppGroup("signing-key", help="The Ed25519 key that signs receipts.")


@audit_cli.command("verify")
@click.option(
    "--witness",
    "witness_file",
    type=click.Path(dir_okay=False),
    help="Compare with this copy of the witness lines (e.g. collected by the syslog host).",
)
def verify(witness_file: str | None) -> None:
    """Recompute the chain and every evidence seal, compare with the witness; exit 1 on a fault."""
    if witness_file:
        current_app.config["CHARTE_AUDIT_WITNESS"] = "file:" + witness_file
    report = audit.verify_all()
    counts = ", ".join(f"{n} {what}" for what, n in report.checked.items())
    if report.ok:
        click.echo(f"OK: {counts} verified.")
        return
    for problem in report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    raise SystemExit(1)


@audit_cli.command("witness")
def witness_head() -> None:
    """Sign the chain's current head and append it to the witness (run it from a schedule)."""
    head = witness.witness_now()
    if head is None:
        click.echo("The audit log is empty: nothing to witness.")
        return
    where = witness.target()
    click.echo(
        f"Witnessed head seq {head.seq} ({head.hash[:16]}\u2026) to "
        f"{where.file or ''}{' and ' if where.file and where.syslog else ''}"
        f"{'syslog ' + str(where.syslog) if where.syslog else ''}."
    )


@signing_key_cli.command("show")
def show() -> None:
    """Print the published public keys (JWKS), current first, and the key file's path."""
    click.echo(json.dumps(signing_keys.public_jwks(), indent=2))
    click.echo(
        f"current key id: {signing_keys.current_kid()} (file {signing_keys.key_file_path()})",
        err=True,
    )


@signing_key_cli.command("rotate")
def rotate() -> None:
    """Sign with a new key from now on; old public keys stay published for verification."""
    new_kid, old_kid = signing_keys.rotate_key_file(signing_keys.key_file_path())
    click.echo(f"New signing key {new_kid}" + (f" (retired {old_kid})." if old_kid else "."))


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
def rotate_evidence_key() -> None:
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
