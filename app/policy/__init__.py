"""Policy versions, signatures (online and on paper, one write path), receipts and status."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Policy pages for employees, HR and admins; `flask policy`; receipts are verifiable."""
    from app.core import hooks, settings
    from app.policy import checks, evidence, receipts, signing
    from app.policy.admin_routes import bp as admin_bp
    from app.policy.builder import drafts, transfer
    from app.policy.builder.routes import bp as builder_bp
    from app.policy.cli import policy_cli
    from app.policy.hr_routes import bp as hr_bp
    from app.policy.paper_routes import bp as paper_bp
    from app.policy.routes import bp

    app.register_blueprint(bp, url_prefix="/policy")
    app.register_blueprint(hr_bp, url_prefix="/hr/policy")
    app.register_blueprint(paper_bp, url_prefix="/hr/people")
    app.register_blueprint(admin_bp, url_prefix="/admin/policy")
    app.register_blueprint(builder_bp, url_prefix="/admin/policy/drafts")
    app.cli.add_command(policy_cli)
    settings.declare(app, signing.ALLOW_SIGNING_BEFORE_COMPLETION, drafts.REVIEW_REQUIRED)
    hooks.code_lookups.subscribe(app, receipts.lookup)
    hooks.content_exported.subscribe(app, transfer.export_policy)
    hooks.content_import_prepared.subscribe(app, transfer.prepare_import)
    hooks.evidence_checks.subscribe(app, evidence.TEXTS)
    hooks.evidence_checks.subscribe(app, evidence.ACKNOWLEDGEMENTS)
    hooks.evidence_checks.subscribe(app, checks.verify_signed_texts)
