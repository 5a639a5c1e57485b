"""Certificates: issued on completions and signatures, rendered, revoked, listed, verifiable."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Certificate pages; certificates follow completions and signatures; codes are verifiable."""
    from app.certificates import documents, evidence, issuing, me_section
    from app.certificates.routes import bp
    from app.core import hooks, settings

    app.register_blueprint(bp)
    settings.declare(app, documents.LOGO_PATH)
    hooks.module_completed.subscribe(app, issuing.on_module_completed)
    # The programme certificate needs both the modules and the signature, in either order.
    hooks.programme_completed.subscribe(app, issuing.on_programme_progress)
    hooks.after_policy_signed.subscribe(app, issuing.on_policy_signed)
    hooks.code_lookups.subscribe(app, issuing.lookup)
    hooks.evidence_checks.subscribe(app, evidence.CERTIFICATES)
    hooks.evidence_checks.subscribe(app, evidence.REVOCATIONS)
    hooks.me_sections.subscribe(app, me_section.certificates_section)
    hooks.export_sections.subscribe(app, me_section.certificates_export)
