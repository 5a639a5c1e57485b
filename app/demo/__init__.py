"""Demo data: the small seeded organisation and the large generated one."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """`flask demo`."""
    from app.demo.cli import demo_command

    app.cli.add_command(demo_command)
