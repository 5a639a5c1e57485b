"""What a section of the Me page is (`hooks.me_sections`), so that any domain can add one.

Kept in core rather than in privacy: a domain that privacy itself imports (people, for the
signed-in sessions) can then contribute a section without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class MeContext:
    """What every section may need: the reader's language and today's date."""

    locale: str
    today: date


@dataclass(frozen=True)
class MeSection:
    """One block of the Me page: a heading, a template under templates/ and its data."""

    key: str
    title: str
    template: str
    data: Any
