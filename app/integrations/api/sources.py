"""Data the API reads from areas built separately, through functions the lead wires in
app/wiring.py (so the API imports nothing of theirs):

    from app.api import sources
    sources.CERTIFICATE_SOURCE = list_certificates  # (after_id, limit) -> list[CertificateRecord]

Until a source is wired, its route answers 501 "not available".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class CertificateRecord:
    """One certificate as the API lists it (ids ascending: the cursor is the id)."""

    id: int
    code: str
    employee_email: str
    employee_external_id: str | None
    title: str
    status: str  # "valid" or "revoked"
    issued_at: datetime
    revoked_at: datetime | None = None


# (after_id, limit) -> the certificates with id > after_id, ascending, at most `limit`.
CERTIFICATE_SOURCE: Callable[[int, int], list[CertificateRecord]] | None = None
