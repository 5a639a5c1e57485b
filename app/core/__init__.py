"""Shared services with no domain knowledge: hooks, audit log, settings, codes, mail, paging."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The organisation's settings, used by every area."""
    from flask_babel import format_decimal

    from app.core import settings

    # Counts in the user's locale ("50 000" in French, "50,000" in English), e.g. in paging.
    app.add_template_filter(format_decimal, "number")

    settings.declare(
        app,
        settings.ORGANISATION_NAME,
        settings.COMMUNICATIONS_CONTACT,
        settings.ESCALATION_EMAIL,
        settings.OFFICIAL_ACCOUNTS,
        settings.APPROVED_PLATFORMS,
    )
