"""`flask policy publish`: publish a policy version for scripted installs."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.core.client import ClientInfo
from app.policy import versions

policy_cli = AppGroup("policy", help="Publish policy versions.")


@policy_cli.command("publish")
@click.option(
    "--version", "version", type=int, required=True, help="Version number in content/policy."
)
def publish_policy(version: int) -> None:
    """Publish a version of the policy from content/policy (for scripted installs)."""
    try:
        versions.publish(version, actor=None, client=ClientInfo.system())
    except versions.PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Published policy version {version}.")
