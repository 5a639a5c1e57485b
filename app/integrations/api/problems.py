"""RFC 9457 problem details: every error the API answers has this shape."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request
from flask_babel import gettext as _

PROBLEM_TYPE_BASE = "https://charte.example/problems/"
MEDIA_TYPE = "application/problem+json"


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: ("bad-request", _("Bad request")),
        401: ("unauthorized", _("Authentication required")),
        403: ("forbidden", _("Missing scope")),
        404: ("not-found", _("Not found")),
        405: ("method-not-allowed", _("Method not allowed")),
        409: ("conflict", _("Conflict")),
        413: ("too-large", _("Request too large")),
        415: ("unsupported-media-type", _("JSON expected")),
        422: ("validation-failed", _("Validation failed")),
        429: ("rate-limited", _("Too many requests")),
        500: ("server-error", _("Server error")),
        501: ("not-available", _("Not available")),
        503: ("unavailable", _("Temporarily unavailable")),
    }


def is_api_request() -> bool:
    """True for any path under /api/, known or not: those errors are problem documents."""
    return request.path.startswith("/api/")


def problem(status: int, detail: str | None = None, **extra: Any) -> Response:
    """A problem+json response (type, title, status, detail, instance, and any extra members)."""
    slug, title = _titles().get(status, ("error", _("Error")))
    body = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
        **extra,
    }
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="charte"'
    return response


class ApiProblem(Exception):
    """Raised by a view to answer with a problem document."""

    def __init__(self, status: int, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.extra = status, detail, extra
