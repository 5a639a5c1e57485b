"""What the authoring pages show: content listings, a draft's catalogue, previews as employees see.

Previews use the loader on the effective files with the draft (or the unsaved edit) applied, and
the learner pages' own rendering (markdown-it-py, then nh3), so what the author sees is what an
employee will get.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import select

from app.consent import texts as consent_texts
from app.core import content_store, settings, typography
from app.extensions import db
from app.learn.authoring import file_settings
from app.learn.content import catalog
from app.learn.content.types import LOCALES
from app.learn.content.validation import Catalog, load_catalog
from app.learn.step_pages import StepPart, step_parts
from app.models.learning import ContentDraftFile, PublishedContentFile
from app.models.user import User


@dataclass
class Row:
    """One module, quiz or consent text in a listing: which languages it has, where it comes from."""

    kind: str
    slug: str
    locales: dict[str, bool] = field(default_factory=dict)
    published: bool = False  # changed in the browser since the shipped files
    drafted: bool = False  # changed in the draft shown
    retired: bool = False  # a module taken out of use (front matter `retired: true`)


def rows(effective: dict[str, str], published: set[str], drafted: set[str]) -> list[Row]:
    """The listing of every module (with its quiz) and consent text (`effective`: the files as
    the page shows them, a draft's included)."""
    found: dict[tuple[str, str], Row] = {}
    for path in sorted(effective.keys() | drafted):
        kind = content_store.kind_of(path)
        slug, locale = content_store.slug_locale(path)
        row = found.setdefault(
            ("module" if kind == "quiz" else kind, slug),
            Row("module" if kind == "quiz" else kind, slug, dict.fromkeys(LOCALES, False)),
        )
        if locale is not None:
            row.locales[locale] = True
        row.published |= path in published
        if kind == "module":
            row.retired |= file_settings.is_retired(effective.get(path))
        row.drafted |= path in drafted
    return sorted(found.values(), key=lambda r: (r.kind != "module", r.slug))


def catalog_with(overlay: dict[str, str]) -> Catalog:
    """The catalogue of the effective files with overlay applied (errors included)."""
    merged = {**content_store.effective_files(), **overlay}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        content_store.build_folder(merged, root)
        return load_catalog(root / "content", root / "quizzes")


@dataclass(frozen=True)
class StepPreview:
    """A step as an employee sees it."""

    title: str
    parts: list[StepPart]


@dataclass(frozen=True)
class QuestionPreview:
    """A quiz question as an employee sees it, with the right answers marked for the author."""

    prompt: str
    scenario: Markup | None
    choices: list[tuple[str, bool]]
    explanation: str


def _text(value: Any, locale: str, variables: dict[str, str]) -> str:
    if not isinstance(value, dict):
        return ""
    return typography.for_locale(catalog.fill(str(value.get(locale) or ""), variables), locale)


def question_preview(question: dict[str, Any], locale: str) -> QuestionPreview:
    """One question (even an invalid one) in the locale, as the quiz page words it."""
    variables = settings.organisation_variables()
    scenario = _text(question.get("scenario"), locale, variables)
    correct = {str(c) for c in question.get("correct") or []}
    return QuestionPreview(
        prompt=_text(question.get("prompt"), locale, variables),
        scenario=catalog.render_markdown(scenario, variables, {}, locale) if scenario else None,
        choices=[
            (_text(c.get("text"), locale, variables), str(c.get("id")) in correct)
            for c in question.get("choices") or []
            if isinstance(c, dict)
        ],
        explanation=_text(question.get("explanation"), locale, variables),
    )


def module_preview(loaded: Catalog, slug: str, locale: str) -> tuple[Any, list[StepPreview]]:
    """(module, its steps rendered in the locale) from a draft catalogue; module None if invalid."""
    module = loaded.get(slug)
    if module is None:
        return None, []
    variables = settings.organisation_variables()
    steps = [
        StepPreview(
            typography.for_locale(catalog.fill(step.title, variables), locale),
            step_parts(step, locale, variables, loaded.images),
        )
        for step in module.text(locale).steps
    ]
    return module, steps


def step_html(body: str, locale: str) -> Markup:
    """A step's Markdown rendered as employees see it (practice blocks as their source)."""
    return catalog.render_markdown(body, settings.organisation_variables(), {}, locale)


def consent_html(text: str, locale: str) -> Markup:
    """A consent text file's body rendered as the consent page shows it."""
    _, _, body = text.partition("\n---")
    body = body.split("\n", 1)[1] if "\n" in body else body
    filled = consent_texts.fill_variables(body, settings.organisation_variables())
    return consent_texts.render_html(consent_texts.normalise(filled), locale)


def file_html(path: str, text: str) -> Markup | None:
    """A whole module or consent text file's body rendered as employees see it (None: a quiz)."""
    locale = content_store.slug_locale(path)[1] or LOCALES[0]
    if content_store.kind_of(path) == "consent":
        return consent_html(text, locale)
    if content_store.kind_of(path) == "module":
        return step_html(text.partition("\n---\n")[2], locale)
    return None


@dataclass(frozen=True)
class Revision:
    """One saved or published version of a file: which, when, by whom."""

    path: str
    at: datetime
    by: str | None


def draft_history(draft_id: int) -> list[Revision]:
    """Every revision saved in a draft, newest first (rows are only ever added)."""
    rows = db.session.execute(
        select(ContentDraftFile.path, ContentDraftFile.saved_at, User.full_name)
        .outerjoin(User, User.id == ContentDraftFile.saved_by_id)
        .where(ContentDraftFile.draft_id == draft_id)
        .order_by(ContentDraftFile.id.desc())
    )
    return [Revision(path, at, by) for path, at, by in rows]


def published_history(limit: int = 30) -> list[Revision]:
    """The latest files published from the browser, newest first."""
    rows = db.session.execute(
        select(PublishedContentFile.path, PublishedContentFile.published_at, User.full_name)
        .outerjoin(User, User.id == PublishedContentFile.published_by_id)
        .order_by(PublishedContentFile.id.desc())
        .limit(limit)
    )
    return [Revision(path, at, by) for path, at, by in rows]
