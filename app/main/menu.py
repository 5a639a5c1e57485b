"""The page header and its main menu, drawn once per kind of visitor and page, not on every request.

The menu's links depend only on the person's role, whether someone reports to them, the language
and the page being shown (which entry is marked current), plus where the app is mounted. It was
about a fifth of a learner page's template work (fifteen links, a dozen translated labels), so
each combination is rendered once per process and reused (app/web/fragments.py). The header
around it adds the language switch, the bell with its count and the sign-out form: kept the same
way, with the count in the key and the two personal values (the CSRF token, the page to come
back to after a change of language) put in on every request.
"""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from app.notifications.service import unread_for_current_user
from app.people.managers import is_manager
from app.web import fragments


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


NEXT_PLACEHOLDER = "charte-next-path-placeholder"


def site_header(minimal: bool = False) -> Markup:
    """The `<header>` of every page (`_site_header.html`); `minimal` (an error page that must
    not touch the database) leaves out everything of the signed-in person."""
    minimal = bool(minimal)
    signed_in = not minimal and current_user.is_authenticated
    unread = unread_for_current_user() if signed_in else 0
    key: tuple = (minimal, signed_in, str(get_locale()), request.endpoint, request.script_root)
    if signed_in:
        key += (current_user.role, is_manager(current_user), unread)
    html = fragments.kept(
        "site_header",
        key,
        lambda: render_template(
            "_site_header.html",
            minimal=minimal,
            signed_in=signed_in,
            unread=unread,
            csrf_placeholder=fragments.CSRF_PLACEHOLDER,
            next_placeholder=NEXT_PLACEHOLDER,
        ),
    )
    back_to = request.full_path if request.method == "GET" else ""
    # (str: Markup.replace would escape the escaped value again)
    return Markup(str(html).replace(NEXT_PLACEHOLDER, str(escape(back_to))))  # noqa: S704  # nosec B704
