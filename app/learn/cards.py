"""The learner home's module cards, each drawn once per module, standing and language.

A card shows the module's title and summary (filled with the organisation's values), the
person's standing in it (not started, in progress at a step, completed, to redo) and a few
translated labels. Many people share each combination, and the cards were the larger part of
the home page's template work, so each is rendered once per process and kept. Everything the
card shows is in the key (the module's content hash included, so an edit shows at once). The
one personal part, the CSRF token of the "take it again" form, is never kept: the card is kept
with a placeholder that the current token replaces. In debug mode nothing is kept.
"""

from __future__ import annotations

from threading import Lock

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from app.learn.progress import COMPLETED, IN_PROGRESS, ModuleStatus
from app.learn.routes import organisation_fill_key

CSRF_PLACEHOLDER = "charte-csrf-token-placeholder"
_drawn: dict[tuple, str] = {}
_lock = Lock()
_KEPT_AT_MOST = 4096


def module_card(item: ModuleStatus) -> Markup:
    """One `<li>` of the home's module list (learn/_module_card.html)."""
    module = item.module
    key = (
        module.slug,
        module.content_hash,
        item.status,
        item.placed.required,
        item.update_due,
        item.current_step if item.status == IN_PROGRESS else None,
        str(get_locale()),
        organisation_fill_key(),
        request.script_root,
    )
    html = _drawn.get(key)
    if html is None or current_app.debug:
        html = render_template(
            "learn/_module_card.html", item=item, csrf_placeholder=CSRF_PLACEHOLDER
        )
        with _lock:
            if len(_drawn) >= _KEPT_AT_MOST:
                _drawn.clear()
            _drawn[key] = html
    if item.status == COMPLETED:
        html = html.replace(CSRF_PLACEHOLDER, str(escape(generate_csrf())))
    return Markup(html)  # noqa: S704  # nosec B704 - rendered from an autoescaped template
