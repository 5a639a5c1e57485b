"""The asset register (issue 21): photos and videos, who appears in them, where they are
published, and what must come down when someone withdraws. Part of the consent domain (its
answers are the publication check's); a sub-package so that consent stays readable."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Pages (photo codes too), evidence checks, setting, export part, Me section, mail."""
    from app.consent.assets import announce, evidence, mine, passes, publishing
    from app.consent.assets.pass_routes import bp as photo_codes_bp
    from app.consent.assets.routes import bp
    from app.core import hooks, settings

    app.register_blueprint(bp, url_prefix="/consent/assets")
    app.register_blueprint(photo_codes_bp, url_prefix="/consent/assets")
    settings.declare(app, publishing.ALLOW_OVERRIDE)
    for spec in evidence.ALL:
        hooks.evidence_checks.subscribe(app, spec)
    hooks.export_sections.subscribe(app, mine.export_part)
    hooks.asset_takedown_decided.subscribe(app, announce.mail_takedown)
    hooks.me_sections.subscribe(app, passes.me_section)
