"""The page of one module in a draft: steps, questions, module and quiz settings, retirement.

Shared by the page itself (routes.module) and the settings and retirement forms
(module_routes), which show it again with their errors next to the fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import abort, render_template
from flask_babel import get_locale
from flask_login import current_user

from app.core import content_store
from app.extensions import db
from app.learn.authoring import drafts, file_settings, questions, retirement, steps
from app.learn.authoring.forms import ModuleSettingsForm, QuizSettingsForm
from app.learn.content.types import LOCALES, ContentError
from app.models.learning import ContentDraft


def draft_or_404(draft_id: int, editing: bool = False) -> ContentDraft:
    """The draft (404), open when it is to be changed (409)."""
    draft = db.session.get(ContentDraft, draft_id)
    if draft is None:
        abort(404)
    if editing and draft.state != "open":
        abort(409)
    return draft


def module_paths_or_404(slug: str) -> list[str]:
    """The module's files in each locale (404 for a slug no file may have)."""
    paths = retirement.module_paths(slug)
    if not all(content_store.valid_path(p) for p in paths):
        abort(404)
    return paths


def quiz_path(slug: str) -> str:
    """The module's quiz file."""
    return f"quizzes/{slug}.yaml"


def settings_form(draft: ContentDraft, slug: str) -> ModuleSettingsForm | None:
    """The module settings as the draft has them (None when a file's front matter is unreadable)."""
    values: dict[str, dict[str, Any]] = {}
    for locale, path in zip(LOCALES, module_paths_or_404(slug), strict=True):
        try:
            values[locale] = file_settings.module_values(drafts.current_text(draft, path) or "")
        except file_settings.SettingsError:
            return None
    shared = values[LOCALES[0]]
    data: dict[str, Any] = {
        f"{key}_{locale}": values[locale].get(key) or ""
        for key in file_settings.MODULE_TEXT_KEYS
        for locale in LOCALES
    }
    data.update({key: shared.get(key) for key in ("minutes", "order", "required", "version")})
    data["teaches"] = file_settings.teaches_text(shared.get("teaches"))
    return ModuleSettingsForm(formdata=None, data=data)


def quiz_form(draft: ContentDraft, slug: str) -> QuizSettingsForm | None:
    """The quiz settings as the draft has them (None: no quiz file, or unreadable)."""
    text = drafts.current_text(draft, quiz_path(slug))
    if text is None:
        return None
    try:
        values = file_settings.quiz_values(text)
    except file_settings.SettingsError:
        return None
    data = {file_settings.QUIZ_FIELDS[key]: values.get(key) for key in file_settings.QUIZ_KEYS}
    return QuizSettingsForm(formdata=None, data=data)


def render(
    draft: ContentDraft,
    slug: str,
    *,
    module_form: ModuleSettingsForm | None = None,
    quiz_settings: QuizSettingsForm | None = None,
    errors: Sequence[ContentError] = (),
    status: int = 200,
):
    """The module page; a form given (after a refused save) is shown with its errors."""
    paths = module_paths_or_404(slug)
    quiz_text = drafts.current_text(draft, quiz_path(slug))
    # Step headings in the interface language when that file exists (else the first language).
    shown = paths[LOCALES.index(str(get_locale()))] if str(get_locale()) in LOCALES else paths[0]
    module_text = drafts.current_text(draft, shown) or drafts.current_text(draft, paths[0])
    if module_text is None and quiz_text is None:
        abort(404)
    module_text = module_text or ""
    try:
        quiz = questions.parse(quiz_text or "")["questions"]
    except questions.QuizFileError:
        quiz = []
    page = render_template(
        "learn/authoring/module.html",
        draft=draft,
        slug=slug,
        steps=[steps.read(module_text, n) for n in range(1, steps.count(module_text) + 1)],
        questions=[q for q in quiz if isinstance(q, dict)],
        locales=LOCALES,
        paths=[*paths, quiz_path(slug)],
        module_form=module_form or settings_form(draft, slug),
        quiz_form=quiz_settings or quiz_form(draft, slug),
        errors=errors,
        retired=file_settings.is_retired(module_text),
        may_retire=current_user.is_admin and draft.state == "open",
    )
    return page, status
