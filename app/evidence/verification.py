"""Public verification of codes printed on receipts and certificates.

Each kind of document subscribes a lookup to `hooks.code_lookups` from its area's init_app; the
lookup takes a canonical code and returns a VerificationResult (with the kind's label), or None
when the code is not one of its own.

A result says only what the document itself shows: never more about the holder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.core import audit, hooks
from app.core.codes import normalise_code

# "valid" and "revoked" for receipts and certificates; a consent receipt may also say that the
# decision was withdrawn, expired, was a refusal, or was superseded by a later decision.
STATUSES = ("valid", "revoked", "withdrawn", "expired", "refused", "superseded")


@dataclass(frozen=True)
class VerificationResult:
    """What the public page may say about a genuine document."""

    kind: str
    status: str  # one of STATUSES
    holder_name: str
    title: str
    issued_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    revoked_at: datetime | None = None  # when a revoked document stopped being valid
    kind_label: Any = ""  # the kind's name on the public page (a lazy string, translated there)
    # Decisions that can end after they were recorded (consent) say how they stand today: the
    # day that status began, the status as a sentence and as a badge, in the reader's language.
    status_since: date | None = None
    status_text: str = ""
    status_label: str = ""
    status_badge: str = ""
    facts: tuple[tuple[str, str], ...] = ()  # further (label, value) rows the document shows
    # The audit target of the record (target_type, id): /verify shows that the log still holds
    # the entry that recorded it, i.e. that the chain still reaches its head at issue.
    evidence: tuple[str, int] | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown verification status {self.status}")


@dataclass(frozen=True)
class AuditLogStatus:
    """Whether the audit log still holds the entry recorded when a document was issued."""

    seq: int | None  # the entry (None: the log holds no entry for the record)
    intact: bool


def audit_log_status(result: VerificationResult) -> AuditLogStatus | None:
    """For a record: its issuing audit entry, or that the log no longer holds one."""
    if result.evidence is None:
        return None
    return audit_log_for(*result.evidence)


def audit_log_for(target_type: str, target_id: str | int) -> AuditLogStatus:
    """Whether the log still holds the entry that recorded this row (public verification pages)."""
    head = audit.entry_head(target_type, target_id)
    return AuditLogStatus(head.seq if head else None, head is not None)


def verify(raw: str) -> VerificationResult | None:
    """Normalise what was typed or scanned and ask every registered lookup; None: unknown code."""
    code = normalise_code(raw or "")
    if code is None:
        return None
    for lookup in hooks.code_lookups.receivers():
        result = lookup(code)
        if result is not None:
            return result
    return None
