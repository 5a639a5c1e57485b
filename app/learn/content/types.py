"""The immutable shapes of loaded content: modules, their steps and texts, quizzes, errors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
SECTION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
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
class PolicyOutline:
    """The sections of one policy version: stable ids in order, titles per locale."""

    version: int
    file: str
    ids: tuple[str, ...]
    titles: dict[str, tuple[str, ...]]

    def title(self, section: str, locale: str) -> str:
        """The heading of that section in the locale (French when unknown), or the id itself."""
        if section not in self.ids:
            return section
        titles = self.titles.get(locale) or self.titles.get(LOCALES[0]) or ()
        index = self.ids.index(section)
        return titles[index] if index < len(titles) else section


@dataclass(frozen=True)
class PracticeChoice:
    """One answer of a practice question, with the feedback shown once it is picked."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Practice:
    """A "what would you do?" block of a step: answered on the page, never scored or stored."""

    id: str
    prompt: str
    choices: tuple[PracticeChoice, ...]


@dataclass(frozen=True)
class Step:
    """One screen of a module: its heading, its Markdown body and the line it starts on."""

    title: str
    body: str
    line: int
    practices: tuple[Practice, ...] = ()

    def practice(self, practice_id: str) -> Practice | None:
        """The step's practice block with that id, or None."""
        return next((p for p in self.practices if p.id == practice_id), None)


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

    @property
    def draw(self) -> int | None:
        """Questions per attempt drawn from the pool, or None when every attempt has them all."""
        return self.definition.get("draw")

    @property
    def drawn_count(self) -> int:
        """How many questions one attempt shows."""
        return self.draw or self.question_count


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
    # Policy section id → the (1-based) step numbers that teach it; empty in older files.
    teaches: dict[str, tuple[int, ...]] = field(default_factory=dict)
    # Taken out of use by an administrator (front matter `retired: true`): hidden from learners,
    # its completions, certificates and quiz evidence kept.
    retired: bool = False

    def text(self, locale: str) -> ModuleText:
        """The wording in that locale (French when the locale is unknown)."""
        return self.texts.get(locale) or self.texts[LOCALES[0]]

    @property
    def step_count(self) -> int:
        return len(self.texts[LOCALES[0]].steps)
