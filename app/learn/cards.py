"""The learner home's module cards, each drawn once per module, standing and language.

A card shows the module's title and summary (filled with the organisation's values), the
person's standing in it (not started, in progress at a step, completed, to redo) and a few
translated labels. Many people share each combination, and the cards were the larger part of
the home page's template work, so each is rendered once per process and kept. Everything the
card shows is in the key (the module's content hash included, so an edit shows at once). The
one personal part, the CSRF token of the "take it again" form, is never kept (app/web/fragments.py).
"""

from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup

from app.learn.progress import IN_PROGRESS, ModuleStatus
from app.learn.routes import organisation_fill_key
from app.web import fragments

_SHARED_KEY = "charte.module_card_key"


def module_card(item: ModuleStatus) -> Markup:
    """One `<li>` of the home's module list (learn/_module_card.html)."""
    module = item.module
    # What every card of this page shares (language, organisation values, mount point) is
    # worked out for the first card only: the home draws a dozen or more. Cards are drawn on
    # the learner's own pages, never in a mail in another language (force_locale).
    shared = request.environ.get(_SHARED_KEY)
    if shared is None:
        shared = request.environ[_SHARED_KEY] = (organisation_fill_key(), request.script_root)
    key = (
        module.slug,
        module.content_hash,
        item.status,
        item.placed.required,
        item.update_due,
        item.current_step if item.status == IN_PROGRESS else None,
        shared,  # the fill key names the language
    )
    return fragments.kept(
        "module_card",
        key,
        lambda: render_template(
            "learn/_module_card.html", item=item, csrf_placeholder=fragments.CSRF_PLACEHOLDER
        ),
    )
