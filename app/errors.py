"""Error pages rendered in the user's language, never with a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, PendingRollbackError
from werkzeug.exceptions import HTTPException

from app.extensions import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("Bad request"),
            _("The request could not be understood. Reload the page and try again."),
        ),
        403: (_("Access denied"), _("Your account does not have access to this page.")),
        404: (_("Page not found"), _("This page does not exist, or you do not have access to it.")),
        405: (_("Not allowed"), _("This action is not allowed here.")),
        413: (_("File too large"), _("The file you sent is too large.")),
        429: (
            _("Too many attempts"),
            _("Too many attempts in a short time. Wait a minute and try again."),
        ),
        500: (
            _("Something went wrong"),
            _("An unexpected error occurred. It has been logged; please try again later."),
        ),
        503: (
            _("Temporarily unavailable"),
            _("The service is temporarily unavailable. Please try again in a moment."),
        ),
    }


def render_error(status: int, detail: str | None = None, minimal: bool = False):
    """Render the error page (or a JSON body for API-style clients) with the status code."""
    from app.integrations.api.problems import is_api_request, problem

    if is_api_request():  # the API answers RFC 9457 problem documents, whatever the error
        return problem(status, detail)
    if request.path.startswith("/scim/"):  # SCIM answers its own Error documents
        from app.integrations.scim.protocol import error

        return error(status, detail or _messages().get(status, (_("Error"),))[0])
    title, message = _messages().get(status, (_("Error"), _("An error occurred.")))
    if _wants_json():
        return jsonify({"status": status, "title": title, "detail": detail or message}), status
    # minimal: do not touch the signed-in user (the database may be what failed).
    g.charte_rendering_error = True
    return render_template(
        "errors/error.html", status=status, title=title, message=detail or message, minimal=minimal
    ), status


def register_error_handlers(app: Flask) -> None:
    """Register the handlers for HTTP errors, CSRF failures and database outages."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return render_error(
            400,
            _("Your form expired or was not sent from this site. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code in (301, 302, 303, 307, 308) or exc.code is None:
            return exc
        return render_error(exc.code)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_down(exc: Exception):
        log.error("Database error: %s", exc)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection is already gone
            log.debug("rollback failed during outage")
        return render_error(503, minimal=True)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # A lost connection can surface as another DBAPI error (or as a session that must be
        # rolled back first): that is an outage too, answered 503 like the others.
        if isinstance(exc, PendingRollbackError) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            return database_down(exc)
        log.exception("Unhandled error")
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - never let the error page fail on a broken session
            log.debug("rollback failed while rendering an error")
        return render_error(500)
