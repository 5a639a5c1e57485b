"""`flask webhooks deliver`: drain the webhook outbox (safe to run on several hosts at once)."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from app.integrations import delivery

webhooks_cli = AppGroup("webhooks", help="Send webhook deliveries.")


@webhooks_cli.command("deliver")
@click.option("--once", is_flag=True, help="One pass over what is due, then exit.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def deliver(once: bool, interval: float) -> None:
    """Send what is due, retrying failures with backoff; runs until stopped unless --once."""
    worker = delivery.worker_name()
    while True:
        report = delivery.deliver_due(worker=worker)
        if once or report.delivered or report.retrying or report.failed:
            click.echo(
                f"delivered {report.delivered}, retrying {report.retrying}, failed {report.failed}"
            )
        if once:
            return
        if not (report.delivered or report.retrying or report.failed):
            time.sleep(interval)  # idle: poll again later
