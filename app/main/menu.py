"""The main menu, drawn once per kind of visitor and page, not on every request.

The menu's links depend only on the person's role, whether someone reports to them, the language
and the page being shown (which entry is marked current), plus where the app is mounted. It was
about a fifth of a learner page's template work (fifteen links, a dozen translated labels), so
each combination is rendered once per process and reused. In debug mode templates reload from
disk, so nothing is kept there.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from app.core import fragments
from app.people.managers import is_manager


def main_menu() -> Markup:
    """The menu entries (`_nav_items.html`) for the signed-in person on this page."""
    key = (
        current_user.role,
        is_manager(current_user),
        str(get_locale()),
        request.endpoint,
        request.script_root,
    )
    return fragments.kept("main_menu", key, lambda: render_template("_nav_items.html"))
