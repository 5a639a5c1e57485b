"""Scanned paper forms: checked by content (PDF, PNG, JPEG), size-limited, sealed, stored in the database.

What the content must be, and how images are cleaned before they are stored, is in
scan_content.py; the SHA-256 and the MAC sealed here are those of the bytes stored.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.core import audit
from app.evidence import scan_content, seals
from app.evidence.scan_content import JPEG, PDF, PNG, AttachmentError
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.privacy import EvidenceAttachment
from app.models.types import utcnow
from app.models.user import User

__all__ = ["JPEG", "PDF", "PNG", "AttachmentError", "Upload", "check", "detect", "store"]

EXTENSIONS = {"pdf": PDF, "png": PNG, "jpg": JPEG, "jpeg": JPEG}
SUFFIX = {PDF: "pdf", PNG: "png", JPEG: "jpg"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Upload:
    """A checked file, ready to be stored with the record it supports: `data` is what will be
    stored (an image re-encoded without metadata), `received_sha256` the hash of what arrived."""

    filename: str
    content_type: str
    data: bytes
    received_sha256: str = ""

    @property
    def sha256(self) -> str:
        """The hash of the stored bytes: the one sealed, audited and checked by `audit verify`."""
        return hashlib.sha256(self.data).hexdigest()


def max_bytes() -> int:
    """The largest scan accepted (ATTACHMENT_MAX_BYTES, 5 MB by default)."""
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def detect(data: bytes) -> str | None:
    """The type a file claims by its first bytes, or None when it claims none of ours; only
    `check` proves the claim (by decoding or parsing the whole file)."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(PNG_SIGNATURE):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


def _too_large() -> AttachmentError:
    return AttachmentError(
        _("The file is too large (at most %(mb)s MB).", mb=round(max_bytes() / 1048576, 1))
    )


def check(data: bytes, filename: str) -> Upload:
    """Accept a scan only when its content is a PDF, PNG or JPEG matching its extension, proven
    by decoding it; an image comes back re-encoded without its metadata."""
    if not data:
        raise AttachmentError(_("The file is empty."))
    if len(data) > max_bytes():
        raise _too_large()
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    claimed = EXTENSIONS.get(extension)
    actual = detect(data)
    if claimed is None or actual is None:
        raise AttachmentError(_("Only PDF, PNG or JPEG scans are accepted."))
    if claimed != actual:
        raise AttachmentError(
            _(
                "The file's content does not match its name: it is not a .%(ext)s file.",
                ext=extension,
            )
        )
    if zipfile.is_zipfile(io.BytesIO(data)):  # a polyglot: also an archive of other files
        raise AttachmentError(_("The file is also a ZIP archive: only plain scans are accepted."))
    stored = scan_content.clean(data, actual)
    if len(stored) > max_bytes():
        raise _too_large()
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._- ")[:120].strip() or "scan"
    return Upload(
        filename=safe,
        content_type=actual,
        data=stored,
        received_sha256=hashlib.sha256(data).hexdigest(),
    )


def _fields(row: EvidenceAttachment) -> dict:
    return {
        "user_id": row.user_id,
        "uploaded_by_id": row.uploaded_by_id,
        "uploaded_at": row.uploaded_at.astimezone(UTC).isoformat(),
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
    }


def _legacy_mac(row: EvidenceAttachment) -> str:
    """Scans stored before evidence keys: keyed from SECRET_KEY."""
    payload = audit.canonical_json(_fields(row))
    key = audit.evidence_key("attachment")
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _bytes_problem(row: EvidenceAttachment) -> str | None:
    if hashlib.sha256(row.data).hexdigest() != row.sha256:
        return "file altered (SHA-256 mismatch)"
    return None


# Named in the audit entry of the record the scan supports (paper signature, consent decision).
SCANS = seals.SealSpec(
    model=EvidenceAttachment,
    label="attachment",
    plural="attachments",
    purpose="attachment",
    fields=_fields,
    legacy_mac=_legacy_mac,
    row_check=_bytes_problem,
)


def store(
    upload: Upload, *, person: User, actor: User, now: datetime | None = None
) -> EvidenceAttachment:
    """Add the scan to the caller's transaction (the record it supports audits its SHA-256)."""
    row = EvidenceAttachment(
        user_id=person.id,
        uploaded_by_id=actor.id,
        uploaded_at=now or utcnow(),
        filename=upload.filename,
        content_type=upload.content_type,
        size=len(upload.data),
        sha256=upload.sha256,
        data=upload.data,
    )
    seals.seal(SCANS, row)
    db.session.add(row)
    db.session.flush()
    return row


# The key, in the audit entry of the record a scan supports, holding the SHA-256 of the file as
# HR uploaded it (before an image was re-encoded): the stored file's own hash then differs, and
# HR matches their original against this one.
RECEIVED_KEY = "attachment_received_sha256"


def received_details(upload: Upload | None) -> dict[str, str | None]:
    """What the supporting record's audit entry says about the file as uploaded."""
    return {RECEIVED_KEY: (upload.received_sha256 or None) if upload is not None else None}


def received_hashes(target_type: str, target_ids: Iterable[object]) -> dict[int, str]:
    """Attachment id -> SHA-256 of the file as uploaded, from the audit entries of these records.

    Read from the audit log (chained, so `flask audit verify` vouches for it) rather than a
    column: the entry names the scan in its "sealed" map next to the hash. One indexed query.
    """
    ids = sorted({str(i) for i in target_ids})
    if not ids:
        return {}
    found: dict[int, str] = {}
    rows = db.session.scalars(
        select(AuditEvent.details).where(
            AuditEvent.target_type == target_type,
            AuditEvent.target_id.in_(ids),
            AuditEvent.details.like(f'%"{RECEIVED_KEY}"%'),
        )
    )
    for raw in rows:
        details = json.loads(raw)
        received = details.get(RECEIVED_KEY)
        if not received:
            continue
        for attachment_id in details.get("sealed", {}).get(EvidenceAttachment.__tablename__, {}):
            found[int(attachment_id)] = received
    return found


def received_hash(target_type: str, record: Any) -> str | None:
    """The uploaded file's SHA-256 for one record carrying `attachment_id` (None without a scan)."""
    if record.attachment_id is None:
        return None
    return received_hashes(target_type, [record.id]).get(record.attachment_id)


def for_download(attachment_id: int, viewer: User) -> EvidenceAttachment | None:
    """The scan with its bytes, for HR or the person it concerns; None for anyone else."""
    row = db.session.scalar(
        select(EvidenceAttachment)
        .where(EvidenceAttachment.id == attachment_id)
        .options(undefer(EvidenceAttachment.data))
    )
    if row is None or (row.user_id != viewer.id and not viewer.is_hr):
        return None
    return row


def download_name(row: EvidenceAttachment) -> str:
    """A file name that says what the file is and keeps its real type."""
    return f"paper-form-{row.id}.{SUFFIX[row.content_type]}"
