"""The immutable shapes of loaded content: modules, their steps and texts, quizzes, errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LOCALES = ("fr", "en")
VARIABLES = (
    "organisation_name",
    "communications_contact",
    "escalation_email",
    "official_accounts",
    "approved_platforms",
)
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z0-9_.]*)\s*\}\}")
QUESTION_TYPES = ("single", "multiple", "true_false", "scenario")
SCORING_MODES = ("partial", "all_or_nothing")


@dataclass(frozen=True)
class ContentError:
    """One problem, naming the file and the line or field where it is."""

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}"


@dataclass(frozen=True)
class Step:
    """One screen of a module: its heading, its Markdown body and the line it starts on."""

    title: str
    body: str
    line: int


@dataclass(frozen=True)
class ModuleText:
    """A module's wording in one locale."""

    title: str
    summary: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Quiz:
    """A validated quiz; `definition` is the JSON-ready snapshot stored with attempts."""

    module: str
    material_version: int
    pass_mark: int
    content_hash: str
    definition: dict[str, Any]

    @property
    def question_count(self) -> int:
        return len(self.definition["questions"])


@dataclass(frozen=True)
class Module:
    """A validated module: both locales, its quiz and its two versions (material and content)."""

    slug: str
    order: int
    required: bool
    minutes: int
    material_version: int
    content_hash: str
    texts: dict[str, ModuleText]
    quiz: Quiz

    def text(self, locale: str) -> ModuleText:
        """The wording in that locale (French when the locale is unknown)."""
        return self.texts.get(locale) or self.texts[LOCALES[0]]

    @property
    def step_count(self) -> int:
        return len(self.texts[LOCALES[0]].steps)
