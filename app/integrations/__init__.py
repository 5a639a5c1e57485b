"""Integrations: the REST API and its tokens, webhooks and their outbox, HR-system sync."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/api/v1, the admin pages for tokens and webhooks, `flask webhooks`; events fill the outbox."""
    from app.core import hooks
    from app.integrations import webhook_events, webhooks
    from app.integrations.api.routes import bp as api_bp
    from app.integrations.cli import webhooks_cli
    from app.integrations.routes import bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(bp, url_prefix="/admin")
    app.cli.add_command(webhooks_cli)
    hooks.consent_decided.subscribe(app, webhook_events.on_consent_decision)
    hooks.policy_signed.subscribe(app, webhook_events.on_policy_signed)
    hooks.programme_completed.subscribe(app, webhook_events.on_programme_completed)
    hooks.certificate_revoked.subscribe(app, webhook_events.on_certificate_revoked)
    hooks.person_pseudonymised.subscribe(app, webhooks.forget_person)
