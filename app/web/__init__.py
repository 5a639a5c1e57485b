"""Small helpers shared by the views (request facts, safe redirects)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request

from app.core.client import ClientInfo
from app.evidence import attachments
from app.evidence.network import evidence_client


def client_info(auth_method: str = "password") -> ClientInfo:
    """The requester's address and browser, as recorded with evidence (unless the admin said no)."""
    return evidence_client(
        ClientInfo(
            ip=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:512] or None,
            auth_method=auth_method,
        )
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


def public_url(endpoint: str, **values: object) -> str:
    """An absolute link for mail, QR codes and links shown to copy, on CHARTE_BASE_URL.

    Never built from the request: a forged Host header must not put a reset or invitation
    token on someone else's server. Works outside requests too (CLI, background jobs).
    """
    base = current_app.config.get("CHARTE_BASE_URL")
    if not base:
        raise RuntimeError("CHARTE_BASE_URL is not set: absolute links cannot be built.")
    parts = urlsplit(base.rstrip("/"))
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def verification_url(code: str) -> str:
    """Public address that verifies a code, on CHARTE_BASE_URL."""
    return public_url("verify.check", code=code)


def read_scan(field) -> attachments.Upload:
    """Read an uploaded scan (never more than the limit plus one byte) and check its content."""
    data = field.data.read(attachments.max_bytes() + 1)
    return attachments.check(data, field.data.filename or "")


def csv_download(lines, filename: str):
    """A streamed CSV attachment from an iterator of lines (kept inside the request context)."""
    from flask import Response, stream_with_context

    return Response(
        stream_with_context(lines),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
