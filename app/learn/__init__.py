"""Learning: the content catalogue, the module player, quizzes, progress and module admin."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The player and module admin, `flask content`; signing waits for the required modules."""
    from app.core import hooks
    from app.learn import evidence, progress
    from app.learn.admin_routes import bp as admin_bp
    from app.learn.authoring.module_routes import bp as authoring_modules_bp
    from app.learn.authoring.routes import bp as authoring_bp
    from app.learn.cards import module_card
    from app.learn.cli import content_cli
    from app.learn.routes import bp

    app.register_blueprint(bp, url_prefix="/learn")
    app.register_blueprint(admin_bp, url_prefix="/admin/modules")
    app.register_blueprint(authoring_bp, url_prefix="/admin/content")
    app.register_blueprint(authoring_modules_bp, url_prefix="/admin/content")
    app.cli.add_command(content_cli)
    app.add_template_global(module_card)
    hooks.signing_prerequisites.subscribe(app, progress.required_modules_prerequisite)
    hooks.evidence_checks.subscribe(app, evidence.ATTEMPTS)
    hooks.evidence_checks.subscribe(app, evidence.COMPLETIONS)
    hooks.evidence_checks.subscribe(app, evidence.PUBLISHED_FILES)
