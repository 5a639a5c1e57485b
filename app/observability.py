"""Request ids and one structured log line per request."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, Response, g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

access_log = logging.getLogger("charte.access")
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def register_request_logging(app: Flask) -> None:
    """Give every request an id (kept from X-Request-ID when sane) and log it as one JSON line."""

    @app.before_request
    def start_timer() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response: Response) -> Response:
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        if request.endpoint == "static":
            return response
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        user_id = None
        # Only read an already loaded user: loading it here could hit a failing database,
        # and a log line must never turn a response into a 500.
        try:
            if "_login_user" in g and getattr(current_user, "is_authenticated", False):
                user_id = current_user.id
        except SQLAlchemyError:
            user_id = None
        access_log.info(
            json.dumps(
                {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                    "request_id": request_id,
                }
            )
        )
        return response
