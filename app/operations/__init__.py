"""Running Charte for years: readiness (/readyz), Prometheus metrics (/metrics), `flask config
check`, the scheduled jobs and their worker with its heartbeat, and backups. Liveness stays
/healthz (app/main)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """/readyz, /metrics, `flask config check`, `flask worker`, `flask jobs`, `flask backup`."""
    from app.core import hooks
    from app.operations import cli, metrics, scheduler_health
    from app.operations.jobs_cli import backup_cli, jobs_cli, worker_command
    from app.operations.routes import bp

    refuse_unsafe_metrics_settings(app)
    app.register_blueprint(bp)
    metrics.install_session_listeners()
    metrics.register_request_metrics(app)
    cli.register(app)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_cli)
    hooks.readiness_checks.subscribe(app, scheduler_health.readiness)
    hooks.metric_families.subscribe(app, scheduler_health.metric_families)


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
