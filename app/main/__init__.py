"""Home page, language switch and health check."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/, /language, /healthz."""
    from app.main.routes import bp

    app.register_blueprint(bp)
