"""Tamper evidence shared by every record: seals, personal-data digests, attachments, /verify."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/verify, the published keys, `flask audit`, `flask signing-key`, the witness and checks."""
    from app.core import hooks, settings
    from app.evidence import attachments, network, signing_keys, witness
    from app.evidence.cli import audit_cli, keys_cli, signing_key_cli
    from app.evidence.routes import bp, well_known

    if app.config.get("CHARTE_ENV") == "production":
        signing_keys.require_for_production(app)
    app.register_blueprint(bp, url_prefix="/verify")
    app.register_blueprint(well_known, url_prefix="/.well-known")
    app.cli.add_command(audit_cli)
    app.cli.add_command(signing_key_cli)
    app.cli.add_command(keys_cli)
    settings.declare(app, network.STORE_NETWORK_DETAILS)
    witness.install()
    hooks.evidence_checks.subscribe(app, witness.check)
    hooks.evidence_checks.subscribe(app, attachments.SCANS)
