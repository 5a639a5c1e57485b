"""Template fragments drawn once per process and kept, keyed by everything they show.

Some parts of a page are the same for many people: a module card for everyone at the same
standing, the main menu for everyone with the same role on the same page, a consent purpose for
everyone in the same state. Rendering them was most of those pages' template work, so each
combination is rendered once per process and reused. The caller's key must name everything the
fragment shows (content versions included, so that an edit shows at once); a full store is
emptied rather than aged. In debug mode templates reload from disk, so nothing is kept.

A fragment that holds a form keeps `CSRF_PLACEHOLDER` where the token goes: the token is
personal and is never kept; each request's own replaces the placeholder.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from threading import Lock

from flask import current_app
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

CSRF_PLACEHOLDER = "charte-csrf-token-placeholder"
KEPT_AT_MOST = 4096  # per kind of fragment

_kept: dict[str, dict[Hashable, str]] = {}
_lock = Lock()


def kept(kind: str, key: Hashable, render: Callable[[], str]) -> Markup:
    """The fragment `render()` draws for this key, from this process's store when drawn before;
    with this request's CSRF token in place of CSRF_PLACEHOLDER."""
    store = _kept.setdefault(kind, {})
    html = store.get(key)
    if html is None or current_app.debug:
        html = str(render())
        with _lock:
            if len(store) >= KEPT_AT_MOST:
                store.clear()
            store[key] = html
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(escape(generate_csrf())))
    return Markup(html)  # noqa: S704  # nosec B704 - rendered from autoescaped templates
