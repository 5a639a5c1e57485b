"""Public verification of codes printed on receipts and certificates, through a registry.

Each kind of document registers a lookup that takes a canonical code and returns a
VerificationResult, or None when the code is not one of its own:

    verification.VERIFIERS.append(my_lookup)
    verification.KIND_LABELS["certificate"] = _l("Completion certificate")

A result says only what the document itself shows: never more about the holder.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core.codes import normalise_code


@dataclass(frozen=True)
class VerificationResult:
    """What the public page may say about a genuine document."""

    kind: str
    status: str  # "valid" or "revoked"
    holder_name: str
    title: str
    issued_at: datetime
    details: dict[str, Any] = field(default_factory=dict)
    revoked_at: datetime | None = None  # when a revoked document stopped being valid

    def __post_init__(self) -> None:
        if self.status not in ("valid", "revoked"):
            raise ValueError(f"unknown verification status {self.status}")


VERIFIERS: list[Callable[[str], VerificationResult | None]] = []
# Human-readable name of each kind, shown on the public page (lazy strings, translated there).
KIND_LABELS: dict[str, Any] = {}


def verify(raw: str) -> VerificationResult | None:
    """Normalise what was typed or scanned and ask every registered lookup; None: unknown code."""
    code = normalise_code(raw or "")
    if code is None:
        return None
    for lookup in VERIFIERS:
        result = lookup(code)
        if result is not None:
            return result
    return None
