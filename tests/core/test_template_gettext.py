"""Templates translate in the request's language, and in a forced one inside force_locale()
(mail to someone who reads another language), then in the request's again."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

TEMPLATE = '{{ _("Sign out") }}|{{ ngettext("%(num)d item", "%(num)d items", 2) }}'


def test_a_template_translates_in_the_request_language_and_in_a_forced_one(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string(TEMPLATE) == "Sign out|2 items"
        with force_locale("fr"):
            assert render_template_string(TEMPLATE).startswith("Se déconnecter|")
        assert render_template_string(TEMPLATE) == "Sign out|2 items"
    # A new app context: the fixture's spans the test, and Flask-Babel keeps the locale on g.
    with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "fr"}):
        assert render_template_string(TEMPLATE).startswith("Se déconnecter|")


def test_the_kept_main_menu_marks_the_page_shown(app, client, auth, employee):
    auth.login(employee.email)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/" aria-current="page"' in home
    policy = client.get("/policy").get_data(as_text=True)
    assert 'href="/policy" aria-current="page"' in policy
    assert 'href="/" aria-current="page"' not in policy
