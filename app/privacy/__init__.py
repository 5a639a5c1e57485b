"""A person's own data (the Me page, the export), the record of processing, and retention."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The Me page and export, the record of processing, `flask retention` and its check."""
    from app.core import hooks, settings
    from app.evidence import personal
    from app.privacy import processing
    from app.privacy.admin_routes import bp as admin_bp
    from app.privacy.cli import retention_cli
    from app.privacy.routes import bp

    app.register_blueprint(bp, url_prefix="/me")
    app.register_blueprint(admin_bp, url_prefix="/admin/privacy")
    app.cli.add_command(retention_cli)
    settings.declare(app, processing.RETENTION_YEARS)
    hooks.evidence_checks.subscribe(app, personal.verify_purges)
