"""Running Charte as a service: readiness (/readyz), Prometheus metrics (/metrics) and
`flask config check`. Liveness stays /healthz (app/main)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/readyz, /metrics, request and evidence-write metrics, `flask config check`."""
    from app.operations import cli, metrics
    from app.operations.routes import bp

    refuse_unsafe_metrics_settings(app)
    app.register_blueprint(bp)
    metrics.install_session_listeners()
    metrics.register_request_metrics(app)
    cli.register(app)


def refuse_unsafe_metrics_settings(app: Flask) -> None:
    """A guessable METRICS_TOKEN or an allow-list entry that is not a network would leave /metrics
    half protected: production refuses to start with either (elsewhere `flask config check`
    reports them)."""
    if app.config.get("CHARTE_ENV") != "production":
        return
    from app.operations import config_check

    environ = {
        name: str(app.config.get(name) or "") for name in ("METRICS_TOKEN", "METRICS_ALLOWED_IPS")
    }
    for name, value in environ.items():
        problem = config_check.setting_problem(name, value or None, environ, production=True)
        if problem:
            raise RuntimeError(f"{name}: {problem}")
