"""Image-use consent: decisions per purpose and medium, texts, receipts, register, publication checks."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Consent pages for employees, HR and admins; `flask consent`; withdrawals flag publications."""
    from app.consent import (
        assets,
        controller,
        decisions,
        evidence,
        expiry,
        publication,
        receipt_status,
    )
    from app.consent.admin_routes import bp as admin_bp
    from app.consent.cli import consent_cli
    from app.consent.hr_routes import bp as hr_bp
    from app.consent.leavers.routes import bp as leaver_bp
    from app.consent.routes import bp
    from app.core import hooks, settings

    app.register_blueprint(bp)
    app.register_blueprint(leaver_bp, url_prefix="/image-consent/leaver")
    app.register_blueprint(hr_bp, url_prefix="/hr/consent")
    app.register_blueprint(admin_bp, url_prefix="/admin/consent")
    app.cli.add_command(consent_cli)
    app.add_template_global(decisions.STATUS_BADGES, "consent_status_badges")
    settings.declare(app, publication.REVIEW_EMAIL, expiry.RENEWAL_NOTICE_DAYS, *controller.ALL)
    hooks.evidence_checks.subscribe(app, evidence.TEXTS)
    hooks.evidence_checks.subscribe(app, evidence.EVENTS)
    hooks.evidence_checks.subscribe(app, evidence.PUBLICATION_CHECKS)
    hooks.evidence_checks.subscribe(app, evidence.PUBLICATION_ANSWERS)
    hooks.evidence_checks.subscribe(app, evidence.PUBLICATION_REVIEWS)
    hooks.after_consent_decided.subscribe(app, publication.notify_withdrawal)
    hooks.code_lookups.subscribe(app, receipt_status.lookup)
    assets.init_app(app)
