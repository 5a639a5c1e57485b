"""Security headers sent with every response."""

from __future__ import annotations

from flask import Flask, Response, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# Files that are the same for everyone and whose URL changes with their content: they keep their
# long caching even for a signed-in person (module images are behind sign-in but not personal).
SHARED_ASSET_ENDPOINTS = frozenset({"static", "learn.image"})


def register_security_headers(app: Flask) -> None:
    """Add CSP (no inline script), nosniff, referrer and framing rules to every response."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if request.endpoint not in SHARED_ASSET_ENDPOINTS and _private(response):
            _no_store(response)
        return response


def _private(response: Response) -> bool:
    """A signed-in page, a page or call made with a token, or any file download."""
    if response.headers.get("Content-Disposition") or response.direct_passthrough:
        return True  # a download (CSV, PDF, ZIP, scan): whoever asked for it, never cached
    if "Authorization" in request.headers:
        return True  # the API answers with personal data
    try:
        return bool(current_user.is_authenticated)
    except SQLAlchemyError:
        return True  # the database is down: the error page itself is not worth caching


def _no_store(response: Response) -> None:
    """Nothing of a page with personal data stays in the browser's or a proxy's cache.

    Overrides send_file's year-long max-age (SEND_FILE_MAX_AGE_DEFAULT, meant for static files).
    """
    response.headers["Cache-Control"] = "no-store"
    response.headers.pop("Expires", None)
