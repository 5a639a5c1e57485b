"""The module and quiz catalog: loaded once per process, reloaded when a file changes; rendering."""

from __future__ import annotations

import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import nh3
from flask import current_app, has_request_context, request, url_for
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.core import content_store, typography
from app.learn.content.types import PLACEHOLDER_RE, ContentError, Module, Quiz
from app.learn.content.validation import Catalog, load_catalog

__all__ = ["Catalog", "ContentError", "ContentInvalid", "Module", "Quiz", "catalog"]

# Only what the commonmark preset with tables produces; everything else is stripped.
ALLOWED_TAGS = {
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "em", "strong", "a", "ul", "ol", "li", "blockquote",
    "code", "pre", "hr", "br", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}  # no style attributes: the Content-Security-Policy forbids inline styles

_md = MarkdownIt("commonmark", {"html": False}).enable("table")
_lock = threading.Lock()
_cache: dict[tuple[str, str], tuple[tuple, Catalog]] = {}
_checked_at: dict[tuple[str, str], float] = {}  # monotonic time of the last fingerprint


class ContentInvalid(Exception):
    """The content folders hold errors; learning pages cannot be shown."""

    def __init__(self, errors: tuple[ContentError, ...]) -> None:
        super().__init__(f"{len(errors)} content error(s)")
        self.errors = errors


def _fingerprint(*folders: Path) -> tuple:
    """Names, sizes and modification times of every file: changes when any file changes."""
    entries = []
    for folder in folders:
        if not folder.is_dir():
            entries.append((str(folder), None))
            continue
        for path in sorted(folder.iterdir()):
            stat = path.stat()
            entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


def load(content_dir: str | Path, quizzes_dir: str | Path, recheck_after: float = 0.0) -> Catalog:
    """The catalog for these folders, parsed again only when a file was added, removed or edited.

    The files are looked at again only when `recheck_after` seconds have passed since the last
    look (0: every call), so an edit is picked up within that delay without a restart.
    """
    key = (str(content_dir), str(quizzes_dir))
    cached = _cache.get(key)
    now = time.monotonic()
    if cached and recheck_after and now - _checked_at.get(key, 0.0) < recheck_after:
        return cached[1]
    content_dir, quizzes_dir = Path(content_dir), Path(quizzes_dir)
    modules_dir = content_dir / "modules"
    fingerprint = _fingerprint(
        modules_dir, modules_dir / "images", quizzes_dir, content_dir / "policy"
    )
    _checked_at[key] = now
    if cached and cached[0] == fingerprint:
        return cached[1]
    with _lock:
        loaded = load_catalog(content_dir, quizzes_dir)
        _cache[key] = (fingerprint, loaded)
    return loaded


def catalog(strict: bool = True) -> Catalog:
    """The app's catalog (CONTENT_DIR, QUIZZES_DIR overlaid by the content published in the
    browser, app.core.content_store); raises ContentInvalid on errors if strict."""
    content_dir, quizzes_dir = content_store.effective_dirs()
    loaded = load(content_dir, quizzes_dir, current_app.config.get("CONTENT_RELOAD_SECONDS", 0.0))
    if strict and loaded.errors:
        raise ContentInvalid(loaded.errors)
    return loaded


def module_or_none(slug: str) -> Module | None:
    """The valid module with that slug, or None."""
    return catalog().get(slug)


def fill(text: str, variables: dict[str, str]) -> str:
    """Replace {{ variable }} placeholders with the organisation's values."""
    return PLACEHOLDER_RE.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def _image_src(src: str, images: dict[str, str]) -> str:
    name = src.removeprefix("images/")
    if src.startswith("images/") and name in images:
        return url_for("learn.image", filename=name, v=images[name])
    return src


def render_markdown(
    text: str, variables: dict[str, str], images: dict[str, str], locale: str | None = None
) -> Markup:
    """Markdown → sanitised HTML, with placeholders filled and image paths served by the app.

    In French, text nodes get French typography (no-break spaces, ’).
    """
    # The same step is shown to everyone: rendered once per process for each text, organisation
    # values, image versions and language (all in the key, so an admin's change shows at once).
    # Image links are relative to the app's mount point, which is in the key too.
    root = request.script_root if has_request_context() else ""
    return _rendered(
        text, tuple(sorted(variables.items())), tuple(sorted(images.items())), locale, root
    )


@lru_cache(maxsize=1024)
def _rendered(
    text: str,
    variables: tuple[tuple[str, str], ...],
    images: tuple[tuple[str, str], ...],
    locale: str | None,
    _root: str,
) -> Markup:
    tokens = _md.parse(fill(text, dict(variables)))
    typography.apply_to_tokens(tokens, locale)
    image_versions = dict(images)
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                child.attrSet("src", _image_src(str(child.attrGet("src") or ""), image_versions))
    html = _md.renderer.render(tokens, _md.options, {})
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704  # nosec B704 - sanitised by nh3 just above


def localised(value: dict[str, Any] | None, locale: str, variables: dict[str, str]) -> str:
    """Pick a {fr, en} text in the locale (French as fallback) and fill its placeholders."""
    if not value:
        return ""
    return fill(value.get(locale) or value.get("fr") or "", variables)
