"""`flask config check`."""

from __future__ import annotations

import click
from flask import Flask

from app.operations import config_check


def register(app: Flask) -> None:
    @app.cli.group("config")
    def config_group() -> None:
        """Inspect the configuration read from the environment."""

    @config_group.command("check")
    def check_command() -> None:
        """Each setting as set / defaulted / wrong (secrets shown as their length); exit 1 if wrong."""
        reports = config_check.check()
        click.echo(config_check.render(reports))
        if any(report.state == config_check.WRONG for report in reports):
            raise SystemExit(1)
