"""Charte: the application factory."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app import (
    admin,
    assignments,
    certificates,
    consent,
    core,
    database,  # noqa: F401 - registers the SQLite connection settings
    demo,
    evidence,
    hr_reports,
    integrations,
    learn,
    main,
    notifications,
    operations,
    people,
    policy,
    privacy,
)
from app.config import (
    CONFIGS,
    base_url_problem,
    development_base_url,
    development_secret_key,
    secret_key_problem,
)
from app.core import template_gettext
from app.core.when import select_timezone
from app.deployment import check_rate_limit_store, install_proxy_handling
from app.errors import register_error_handlers
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.observability import register_request_logging
from app.permissions import TEMPLATE_ROLE_GROUPS
from app.security import register_security_headers
from app.static_files import register_static_versioning
from app.web import form_translations
from app.web.flask_app import CharteFlask

# Each domain, in the order their init_app run (that order is the order of hook receivers).
# Their __init__ modules import nothing at import time: each init_app imports what it registers.
DOMAINS = (core, evidence, people, admin, main, learn, policy, consent, certificates,
           assignments, hr_reports, privacy, integrations, notifications, demo, operations)  # fmt: skip


def create_app(config: dict[str, Any] | None = None, env: str | None = None) -> Flask:
    """Build the app: config → extensions → each domain's init_app → error pages, headers, logs."""
    app = CharteFlask(__name__, instance_relative_config=False)
    env = env or os.environ.get("CHARTE_ENV", "development")
    app.config.from_object(CONFIGS[env])
    app.config["CHARTE_ENV"] = env
    if config:
        app.config.update(config)
    _finish_config(app, env)
    install_proxy_handling(app)
    check_rate_limit_store(app)

    database.init_app(app)  # before db.init_app: it replaces the pool's pre-ping
    db.init_app(app)
    database.install_pings(app)
    migrate.init_app(
        app,
        db,
        directory=os.path.abspath(os.path.join(app.root_path, "..", "migrations")),
        render_as_batch=True,
        compare_type=True,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    template_gettext.install(app)
    form_translations.install(app)
    limiter.init_app(app)
    _configure_login()

    for domain in DOMAINS:
        domain.init_app(app)

    register_error_handlers(app)
    register_security_headers(app)
    register_request_logging(app)
    register_static_versioning(app)

    @app.context_processor
    def inject_globals() -> dict[str, Any]:
        from flask_babel import get_locale
        from flask_login import current_user

        from app.people.managers import is_manager

        return {
            # Asked only where the menu is drawn: one small query then.
            "is_manager": lambda: is_manager(current_user),
            "current_locale": str(get_locale()),
            "locales": app.config["CHARTE_LOCALES"],
            **TEMPLATE_ROLE_GROUPS,
        }

    return app


def _finish_config(app: Flask, env: str) -> None:
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(
            app.instance_path, "charte.db"
        )
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://") or uri.startswith("postgresql://"):
        # psycopg 3 is the driver we ship; accept the common URL spellings.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    if uri.startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}),
            "connect_args": {"timeout": 30},
        }
    if env == "production":
        problem = secret_key_problem(app.config.get("SECRET_KEY")) or base_url_problem(
            app.config.get("CHARTE_BASE_URL"), production=True
        )
        if problem:
            raise RuntimeError(problem)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = development_secret_key(app.instance_path)
    if not app.config.get("CHARTE_BASE_URL"):
        app.config["CHARTE_BASE_URL"] = development_base_url()
    problem = base_url_problem(app.config["CHARTE_BASE_URL"], production=False)
    if problem:
        raise RuntimeError(problem)
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["CHARTE_DEFAULT_LOCALE"]
    if app.config.get("STRICT_CONTENT"):
        _refuse_invalid_content(app)
    # Imported here, not at the top: `python -m app.core.keys create` (how production makes its
    # key file) would otherwise find the module already imported by this package and warn.
    from app.core import keys as core_keys

    core_keys.init_app(app, env)  # evidence keys: required in production (app/core/keys.py)
    if env == "production":
        # The evidence keys must be as strong as SECRET_KEY (same test, their own message).
        for key_id, secret in app.config[core_keys.CONFIG_KEY].keys.items():
            problem = secret_key_problem(secret)
            if problem:
                raise RuntimeError(
                    f"Evidence key {key_id!r}: " + problem.replace("SECRET_KEY", "the key")
                )


def _refuse_invalid_content(app: Flask) -> None:
    """Production does not start on broken modules or quizzes: learners would meet errors."""
    from app.learn.content import catalog

    loaded = catalog.load(app.config["CONTENT_DIR"], app.config["QUIZZES_DIR"])
    if loaded.errors:
        listing = "\n".join(f"  {error}" for error in loaded.errors)
        raise RuntimeError(f"Invalid content (run `flask content check`):\n{listing}")


def select_locale() -> str:
    """The user's preference, else the session's choice, else Accept-Language, else the default."""
    from flask import current_app

    locales = current_app.config["CHARTE_LOCALES"]
    if not has_request_context():  # command line: no session, no browser
        return current_app.config["CHARTE_DEFAULT_LOCALE"]
    try:
        if current_user and current_user.is_authenticated and current_user.locale in locales:
            return current_user.locale
    except SQLAlchemyError:
        pass  # the database is down: an error page must still render, in the browser's language
    chosen = session.get("locale")
    if chosen in locales:
        return chosen
    return (
        request.accept_languages.best_match(locales) or current_app.config["CHARTE_DEFAULT_LOCALE"]
    )


def _configure_login() -> None:
    from flask_babel import lazy_gettext

    from app.models.user import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = lazy_gettext("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # Not "strong": it trusted client headers. Each request's cookie is checked against its
    # server-side session instead (people.signin.load_user).
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        from app.people import signin

        return signin.load_user(user_id)
