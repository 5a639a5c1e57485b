"""Home page, language switch and health check."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/, /language, /healthz."""
    from app.main.menu import main_menu, site_header
    from app.main.routes import bp

    app.register_blueprint(bp)
    app.add_template_global(main_menu)
    app.add_template_global(site_header)
