"""Personal fields of evidence rows sealed by a salted digest, so a retention purge can blank them."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from app.core.audit import canonical_json
from app.core.audit_actions import AuditAction

# MAC payload versions: 1 covers the personal values themselves, 2 covers their salted digest.
MAC_V1, MAC_V2 = 1, 2


def digest(salt: str, fields: dict[str, Any]) -> str:
    """SHA-256 of the personal fields under a per-row salt (a blanked value cannot be guessed back)."""
    return hashlib.sha256(f"{salt}:{canonical_json(fields)}".encode()).hexdigest()


def seal(row: Any, fields: dict[str, Any]) -> None:
    """Give a new evidence row a fresh salt and the digest of its personal fields (MAC version 2)."""
    row.mac_version = MAC_V2
    row.pii_salt = secrets.token_hex(16)
    row.pii_digest = digest(row.pii_salt, fields)


def unchanged(row: Any, fields: dict[str, Any]) -> bool:
    """True when the row's personal fields still match the digest its MAC covers."""
    return row.pii_salt is not None and digest(row.pii_salt, fields) == row.pii_digest


def purged_user_ids() -> set[int]:
    """People whose records a retention purge pseudonymised (their blanked fields are expected)."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models.privacy import RetentionPurge

    return set(db.session.scalars(select(RetentionPurge.user_id)))


def resealed(kind: str) -> dict[int, tuple[str, str]]:
    """Record id -> (MAC before, MAC after) for version 1 rows resealed by a retention purge.

    Read from the "retention.purged" audit entries, which the chain protects.
    """
    import json

    from sqlalchemy import select

    from app.extensions import db
    from app.models.audit import AuditEvent

    found: dict[int, tuple[str, str]] = {}
    for details in db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == AuditAction.RETENTION_PURGED.value)
    ):
        for record_id, (before, after) in (
            json.loads(details).get("resealed", {}).get(kind, {}).items()
        ):
            found[int(record_id)] = (before, after)
    return found


def check_personal(row: Any, fields: dict[str, Any], purged: set[int]) -> str | None:
    """Why a version 2 row's personal fields do not match its digest, or None when they do.

    Blank fields are accepted only for a person a recorded retention purge pseudonymised.
    """
    if unchanged(row, fields):
        return None
    if row.user_id in purged and not any(fields.values()):
        return None
    if not any(fields.values()):
        return "personal fields removed without a recorded retention purge"
    return "personal fields altered (digest mismatch)"
