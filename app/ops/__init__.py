"""Running Charte for years: the scheduled jobs and their worker, the heartbeat, backups."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """`flask worker`, `flask jobs list|run` and `flask backup create|restore`."""
    from app.ops.cli import backup_cli, jobs_cli, worker_command

    app.cli.add_command(jobs_cli)
    app.cli.add_command(worker_command)
    app.cli.add_command(backup_cli)
