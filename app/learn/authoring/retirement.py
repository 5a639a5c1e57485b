"""Retire a module, or restore it, in a draft: `retired: true` in the front matter of both files.

A retired module stays in the files and the catalogue (Catalog.retired) but out of learners'
lists, paths and due dates once the draft is published; nothing about it is deleted: its
completions, certificates and quiz attempts stay evidence, still verifiable. Its slug never
changes (that evidence names it). Only an administrator decides it (drafts._may_retire), and
it goes through the draft like any other change: saved (audited), checked, then published.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.core.client import ClientInfo
from app.extensions import db
from app.learn.authoring import drafts, file_settings
from app.learn.content.types import LOCALES, ContentError
from app.models.certificate import Certificate
from app.models.learning import ContentDraft, ModuleCompletion
from app.models.user import User


def module_paths(slug: str) -> list[str]:
    """The module's file in each locale."""
    return [f"content/modules/{slug}.{locale}.md" for locale in LOCALES]


def retired_in(draft: ContentDraft, slug: str) -> bool:
    """True when the module is retired as the draft has it (published state, else the draft's)."""
    return file_settings.is_retired(drafts.current_text(draft, module_paths(slug)[0]))


def set_retired(
    draft: ContentDraft, slug: str, retired: bool, *, actor: User, client: ClientInfo
) -> list[ContentError]:
    """Retire (or restore) the module in the draft; the errors that refuse it (nothing saved).

    Restoring removes the `retired:` line, so a module retired then restored gets its files
    back byte for byte."""
    changes = {}
    for path in module_paths(slug):
        text = drafts.current_text(draft, path)
        if text is None:
            raise drafts.DraftError(f"{path}: no such file")
        changes[path] = file_settings.write_module(text, {"retired": True if retired else None})
    added, _after = drafts.check_edit(draft, changes, everywhere=True)
    if added:
        return added
    drafts.save_files(draft, changes, actor=actor, client=client)
    return []


@dataclass(frozen=True)
class Evidence:
    """What is recorded about a module: kept whatever happens to the module."""

    people: int
    completions: int
    certificates: int


def evidence_of(slug: str) -> Evidence:
    """How many people completed the module, completions and certificates naming it."""
    people, completions = db.session.execute(
        select(func.count(func.distinct(ModuleCompletion.user_id)), func.count()).where(
            ModuleCompletion.module_slug == slug
        )
    ).one()
    certificates = db.session.scalar(
        select(func.count()).select_from(Certificate).where(Certificate.module_slug == slug)
    )
    return Evidence(people or 0, completions or 0, certificates or 0)
