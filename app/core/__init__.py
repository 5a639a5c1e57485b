"""Shared services with no domain knowledge: hooks, audit log, settings, codes, mail, paging."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The organisation's settings, used by every area, and the date and number filters."""
    from app.core import settings, when

    settings.declare(
        app,
        settings.ORGANISATION_NAME,
        settings.COMMUNICATIONS_CONTACT,
        settings.ESCALATION_EMAIL,
        settings.OFFICIAL_ACCOUNTS,
        settings.APPROVED_PLATFORMS,
        when.TIME_ZONE,
    )
    when.init_app(app)
