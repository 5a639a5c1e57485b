"""Accounts, sign-in, single sign-on, CSV import, roles and the directory.

HR's people pages read several domains (status, consents, timeline): they live in hr_reports
(blueprint "hr"); leaving, with its choice about image consents, is consent.offboarding."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Sign-in (password, OIDC and step-up before signing), sessions, `flask users`, settings."""
    from app.core import hooks, settings
    from app.people import sessions, signin, sso, step_up
    from app.people.auth_routes import bp as auth_bp
    from app.people.cli import users_cli
    from app.people.me_section import sessions_export, sessions_section
    from app.people.oidc import init_oidc
    from app.people.session_routes import bp as sessions_bp
    from app.people.sso_routes import bp as sso_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(sso_bp)
    app.register_blueprint(sessions_bp, url_prefix="/me/sessions")
    init_oidc(app)
    signin.init_app(app)
    app.cli.add_command(users_cli)
    settings.declare(
        app,
        sso.CREATE_USERS,
        sso.PASSWORD_ADMINS_ONLY,
        step_up.STEP_UP_AT_PROVIDER,
        *sessions.ALL_SETTINGS,
    )
    hooks.me_sections.subscribe(app, sessions_section)
    hooks.export_sections.subscribe(app, sessions_export)
    hooks.person_pseudonymised.subscribe(app, step_up.forget_person)
