"""The published policy as plain values, kept per process: what an employee's pages show.

Every signed-in page that names the policy (the policy page, the home page's next step, the API's
status) needs the published versions and their texts. They change only when a version or a minor
revision is published, so they are read once per process and kept for a few seconds
(app/core/process_cache.py: dropped at once when this process publishes, re-read within
seconds when another does), instead of loading every version and every text, ten kilobytes of
HTML each, on every request.

A published text never changes afterwards (evidence rows are append-only), so its HTML is kept
apart, per text, without expiry, and read only for the text a page actually shows.

The values mirror the ORM rows' attribute names, so the helpers in `versions` (labels, texts by
language, summaries) take either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from app.core import process_cache
from app.extensions import db
from app.models.policy import PolicyText, PolicyVersion

TABLES = ("policy_version", "policy_text")


@dataclass(frozen=True)
class PublishedText:
    """One published text (a language of a version, or a later minor revision of it)."""

    id: int
    policy_version_id: int
    locale: str
    minor: int
    title: str
    changes: str
    sha256: str


@dataclass(frozen=True)
class PublishedVersion:
    """One published version and all its texts."""

    id: int
    version: int
    effective_date: date | None
    published_at: datetime
    texts: tuple[PublishedText, ...]


def _load() -> tuple[PublishedVersion, ...]:
    rows = db.session.execute(
        select(
            PolicyText.id,
            PolicyText.policy_version_id,
            PolicyText.locale,
            PolicyText.minor,
            PolicyText.title,
            PolicyText.changes,
            PolicyText.sha256,
        ).order_by(PolicyText.id)
    ).all()
    texts: dict[int, list[PublishedText]] = {}
    for row in rows:
        texts.setdefault(row.policy_version_id, []).append(PublishedText(*row))
    versions = db.session.execute(
        select(
            PolicyVersion.id,
            PolicyVersion.version,
            PolicyVersion.effective_date,
            PolicyVersion.published_at,
        ).order_by(PolicyVersion.version.desc())
    ).all()
    return tuple(PublishedVersion(*row, texts=tuple(texts.get(row.id, ()))) for row in versions)


def published() -> tuple[PublishedVersion, ...]:
    """Every published version with its texts, newest first (plain values; see the module doc)."""
    return process_cache.cached("published_policy", TABLES, _load)


def current() -> PublishedVersion | None:
    """The latest published version, or None before the first publication."""
    versions = published()
    return versions[0] if versions else None


def by_id(version_id: int) -> PublishedVersion | None:
    """A published version by its row id (None for one published after this process last read)."""
    return next((v for v in published() if v.id == version_id), None)


def html_of(text: PublishedText | PolicyText) -> str:
    """The text's HTML as published (read once per process and text: it never changes)."""
    found = process_cache.immutable(
        f"policy_text_html:{text.id}",
        lambda: db.session.scalar(select(PolicyText.html).where(PolicyText.id == text.id)),
    )
    return found or ""
