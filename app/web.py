"""Small helpers shared by the views (request facts, safe redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from app.services.client import ClientInfo


def client_info(auth_method: str = "password") -> ClientInfo:
    """The requester's address and browser, as recorded with evidence."""
    return ClientInfo(
        ip=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:512] or None,
        auth_method=auth_method,
    )


def safe_next(target: str | None) -> str | None:
    """Return target only when it is a local path (no scheme, no host): no open redirects."""
    if not target:
        return None
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
