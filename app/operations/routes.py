"""/readyz (readiness, JSON) and /metrics (Prometheus, behind a token or an address allow-list)."""

from __future__ import annotations

import hmac
import ipaddress

from flask import Blueprint, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from app.extensions import csrf, limiter
from app.operations import metrics, readiness

bp = Blueprint("operations", __name__)


@bp.route("/readyz")
@csrf.exempt
@limiter.exempt
def readyz():
    """200 when every check passes, 503 with the failing check(s) otherwise."""
    ready, checks = readiness.readiness()
    body = {"status": "ready" if ready else "unavailable", "checks": checks}
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def _address_allowed(raw: str) -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for item in raw.replace(";", ",").replace(" ", ",").split(","):
        if item:
            try:
                if address in ipaddress.ip_network(item, strict=False):
                    return True
            except ValueError:
                continue  # `flask config check` reports the bad entry
    return False


def _authorised() -> None:
    """Without METRICS_TOKEN or METRICS_ALLOWED_IPS, /metrics does not exist (404); otherwise
    the bearer token or the client address must match (401 without a token, 403 a wrong one)."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    allowed = current_app.config.get("METRICS_ALLOWED_IPS") or ""
    if not token and not allowed:
        abort(404)
    if allowed and _address_allowed(allowed):
        return
    presented = request.headers.get("Authorization", "")
    if not token:
        abort(403)
    if not presented.startswith("Bearer "):
        abort(Response("bearer token required\n", 401, {"WWW-Authenticate": "Bearer"}))
    if not hmac.compare_digest(presented.removeprefix("Bearer ").encode(), token.encode()):
        abort(403)


@bp.route("/metrics")
@csrf.exempt
@limiter.exempt
def prometheus_metrics():
    _authorised()
    body = metrics.exposition(current_app._get_current_object())  # type: ignore[attr-defined]
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
