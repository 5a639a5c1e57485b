"""Who must do what by when: the programme, HR assignments, refreshers, and reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Assignment and reminder pages, `flask reminders`, due-date settings, reminders on the Me page."""
    from app.assignments import due, escalation, refresher, reminders, reminders_received
    from app.assignments.cli import reminders_cli
    from app.assignments.reminder_routes import bp as reminders_bp
    from app.assignments.routes import bp
    from app.core import hooks, settings

    app.register_blueprint(bp, url_prefix="/hr/assignments")
    app.register_blueprint(reminders_bp, url_prefix="/hr/reminders")
    app.cli.add_command(reminders_cli)
    settings.declare(
        app,
        due.PROGRAMME_DUE_DAYS,
        refresher.REFRESHER_MONTHS,
        reminders.MIN_INTERVAL,
        escalation.MANAGER_DAYS,
        escalation.HR_DAYS,
    )
    hooks.me_sections.subscribe(app, reminders_received.me_section)
    hooks.export_sections.subscribe(app, reminders_received.export_part)
