"""HR's read models spanning domains: dashboard, employee list, timeline, exports, quiz insight."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """HR's people pages (blueprint "hr"), the dashboard and reports, managers' team pages."""
    from app.core import settings
    from app.hr_reports import team
    from app.hr_reports.cli import dashboard_cli
    from app.hr_reports.people_routes import bp as people_bp
    from app.hr_reports.routes import bp
    from app.hr_reports.team_routes import bp as team_bp

    app.register_blueprint(people_bp, url_prefix="/hr")
    app.register_blueprint(bp, url_prefix="/hr")
    app.register_blueprint(team_bp, url_prefix="/team")
    settings.declare(app, team.SEE_QUIZ_SCORES)
    app.cli.add_command(dashboard_cli)
