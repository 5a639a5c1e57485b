"""Every checkbox setting on the admin page can be switched on and off again (issue 20)."""

from __future__ import annotations

import re

import pytest
from flask import g

from app.core import settings
from app.extensions import db
from tests.conftest import csrf_token
from tests.locale_helpers import per_request_locale

BOOLEAN_SETTINGS = [
    "consent.asset_override",
    "managers.see_quiz_scores",
    "scim.groups_may_grant_admin",
    "policy.allow_signing_before_completion",
    "policy.review_required",
    "privacy.store_network_details",
    "sso.create_users",
    "sso.password_login_for_admins_only",
    "sso.step_up_at_provider",
]


def _browser_form(page: str) -> list[tuple[str, str]]:
    """The fields a browser sends for the page as rendered: hidden fields and ticked boxes."""
    fields = []
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r"<option selected>([^<]*)</option>", options)
        fields.append((name, chosen.group(1) if chosen else ""))
    for tag in re.findall(r"<(?:input|textarea)\b[^>]*>(?:[^<]*</textarea>)?", page):
        name = re.search(r'name="([^"]+)"', tag)
        if not name:
            continue
        if tag.startswith("<textarea"):
            fields.append((name.group(1), re.search(r">([^<]*)</textarea>", tag).group(1)))
            continue
        kind = re.search(r'type="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if kind and kind.group(1) == "checkbox" and " checked" not in tag:
            continue
        fields.append((name.group(1), value.group(1) if value else ""))
    return fields


def _save(client, key: str, ticked: bool):
    page = client.get("/admin/settings").get_data(as_text=True)
    fields = [(name, value) for name, value in _browser_form(page) if name != key]
    # A browser sends the hidden empty field first, then the box's value if ticked.
    fields.append((key, ""))
    if ticked:
        fields.append((key, "on"))
    from werkzeug.datastructures import MultiDict

    data = MultiDict(fields)
    data["csrf_token"] = csrf_token(client, "/admin/settings")
    return client.post("/admin/settings", data=data, follow_redirects=True)


def _fresh(spec):
    db.session.expire_all()
    g.pop("_charte_settings", None)
    return settings.get(spec)


def _is_ticked(client, key: str) -> bool:
    page = client.get("/admin/settings").get_data(as_text=True)
    box = re.search(rf'<input type="checkbox"[^>]*name="{re.escape(key)}"[^>]*>', page)
    assert box, key
    return " checked" in box.group(0)


def test_the_list_names_every_boolean_setting(app):
    declared = [key for key, spec in settings.declared().items() if spec.kind == "bool"]
    assert sorted(declared) == sorted(BOOLEAN_SETTINGS)


@pytest.mark.parametrize("key", BOOLEAN_SETTINGS)
def test_boolean_setting_switches_on_then_off(client, auth, admin, key):
    spec = settings.declared()[key]
    auth.login(admin.email)
    for wanted in (not spec.default, spec.default, True, False):
        response = _save(client, key, wanted)
        text = response.get_data(as_text=True)
        assert "Settings saved" in text, text
        assert _fresh(spec) is wanted, (key, wanted)
        assert _is_ticked(client, key) is wanted, (key, wanted)


def test_saving_an_unchanged_page_changes_nothing(client, auth, admin):
    auth.login(admin.email)
    _save(client, "privacy.store_network_details", True)
    response = _save(client, "privacy.store_network_details", True)
    assert "Settings saved (0 changed)." in response.get_data(as_text=True)


def test_french_confirmation_counts_without_brackets(app, client, auth, admin):
    per_request_locale(app)
    admin.locale = "fr"
    db.session.commit()
    auth.login(admin.email)
    response = _save(client, "sso.create_users", True)
    text = response.get_data(as_text=True)
    assert "(1 modifié)" in text
    assert "(s)" not in text
