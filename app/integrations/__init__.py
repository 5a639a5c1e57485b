"""Integrations: the REST API and its tokens, webhooks and their outbox, HR-system sync."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def refuse_test_settings_in_production(config: Mapping[str, Any]) -> None:
    """WEBHOOKS_ALLOW_HTTP_LOOPBACK lets webhooks reach this very host: tests only."""
    if config.get("CHARTE_ENV") == "production" and config.get("WEBHOOKS_ALLOW_HTTP_LOOPBACK"):
        raise RuntimeError(
            "WEBHOOKS_ALLOW_HTTP_LOOPBACK is for tests and local development only: "
            "unset it in production (CHARTE_ENV=production)."
        )


def init_app(app: Flask) -> None:
    """/api/v1, /scim/v2, the admin pages for tokens, webhooks and SCIM groups, `flask webhooks`; events fill the outbox."""
    refuse_test_settings_in_production(app.config)
    from app.core import hooks, settings
    from app.integrations import webhook_events, webhooks
    from app.integrations.api.routes import bp as api_bp
    from app.integrations.cli import webhooks_cli
    from app.integrations.routes import bp
    from app.integrations.scim import groups as scim_groups
    from app.integrations.scim import users as scim_users
    from app.integrations.scim.admin_routes import bp as scim_admin_bp
    from app.integrations.scim.routes import bp as scim_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(scim_bp, url_prefix="/scim/v2")
    app.register_blueprint(bp, url_prefix="/admin")
    app.register_blueprint(scim_admin_bp, url_prefix="/admin/scim")
    settings.declare(app, scim_users.DEACTIVATION_CONSENTS, scim_groups.GROUPS_MAY_GRANT_ADMIN)
    app.cli.add_command(webhooks_cli)
    hooks.consent_decided.subscribe(app, webhook_events.on_consent_decision)
    hooks.consent_decided.subscribe(app, webhook_events.on_asset_takedown)
    hooks.consent_expired.subscribe(app, webhook_events.on_consent_expired)
    hooks.policy_signed.subscribe(app, webhook_events.on_policy_signed)
    hooks.programme_completed.subscribe(app, webhook_events.on_programme_completed)
    hooks.certificate_revoked.subscribe(app, webhook_events.on_certificate_revoked)
    hooks.person_pseudonymised.subscribe(app, webhooks.forget_person)
