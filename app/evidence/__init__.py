"""Tamper evidence shared by every record: seals, personal-data digests, attachments, /verify."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/verify, `flask audit verify`, the scans' check and the network-details setting."""
    from app.core import hooks, settings
    from app.evidence import attachments, network
    from app.evidence.cli import audit_cli, keys_cli
    from app.evidence.routes import bp

    app.register_blueprint(bp, url_prefix="/verify")
    app.cli.add_command(audit_cli)
    app.cli.add_command(keys_cli)
    settings.declare(app, network.STORE_NETWORK_DETAILS)
    hooks.evidence_checks.subscribe(app, attachments.SCANS)
