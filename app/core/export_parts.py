"""What a part of a person's data export is (`hooks.export_sections`), so that any domain can add one.

Kept in core rather than in privacy, as core.me_sections is: a domain that privacy itself
imports (people, for the signed-in sessions) can then contribute a part without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExportContext:
    """Addresses printed in receipts (built by the view) and the reader's language."""

    locale: str
    policy_verify_url: Callable[[str], str]
    consent_verify_url: Callable[[str], str]
    withdrawal_url: str


@dataclass
class ExportPart:
    """One key of charte-export.json and the files that go with it (path in the ZIP, bytes)."""

    key: str
    data: Any
    files: list[tuple[str, bytes]] = field(default_factory=list)
