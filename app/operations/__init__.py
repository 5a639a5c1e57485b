"""Running Charte as a service: readiness (/readyz), Prometheus metrics (/metrics) and
`flask config check`. Liveness stays /healthz (app/main)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/readyz, /metrics, request and evidence-write metrics, `flask config check`."""
    from app.operations import cli, metrics
    from app.operations.routes import bp

    app.register_blueprint(bp)
    metrics.install_session_listeners()
    metrics.register_request_metrics(app)
    cli.register(app)
