"""Administrator pages: instance settings and roles (other areas add their own admin pages)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The settings and roles pages."""
    from app.admin.routes import bp

    app.register_blueprint(bp, url_prefix="/admin")
