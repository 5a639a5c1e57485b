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


_EVERY_RESPONSE = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000")


def register_security_headers(app: Flask) -> None:
    """Add CSP (no inline script), nosniff, referrer and framing rules to every response."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        # The names already set are read once: werkzeug's Headers look a name up by scanning
        # the list and raise (then catch) an exception for each one missing, which made these
        # few headers a tenth of the cost of a page that does nothing else.
        present = {name.lower() for name, _value in response.headers.items()}
        wanted = _EVERY_RESPONSE + ((_HSTS,) if app.config.get("SESSION_COOKIE_SECURE") else ())
        response.headers.extend([(k, v) for k, v in wanted if k.lower() not in present])
        if request.endpoint not in SHARED_ASSET_ENDPOINTS and _private(response, present):
            _no_store(response, present)
        return response


def _private(response: Response, present: set[str]) -> bool:
    """A signed-in page, a page or call made with a token, or any file download."""
    if "content-disposition" in present or response.direct_passthrough:
        return True  # a download (CSV, PDF, ZIP, scan): whoever asked for it, never cached
    if "Authorization" in request.headers:
        return True  # the API answers with personal data
    try:
        return bool(current_user.is_authenticated)
    except SQLAlchemyError:
        return True  # the database is down: the error page itself is not worth caching


def _no_store(response: Response, present: set[str]) -> None:
    """Nothing of a page with personal data stays in the browser's or a proxy's cache.

    Overrides send_file's year-long max-age (SEND_FILE_MAX_AGE_DEFAULT, meant for static files).
    """
    response.headers["Cache-Control"] = "no-store"
    if "expires" in present:
        del response.headers["Expires"]
