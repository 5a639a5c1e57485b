"""The section editor's live preview: a POST that renders what is typed through the policy's
sanitising pipeline, for the builder's roles only, with the CSRF token, saving nothing."""

from __future__ import annotations

import pytest

from app.core.client import ClientInfo
from app.extensions import db
from app.models.user import Role
from app.policy.builder import drafts
from tests.conftest import csrf_token, make_user, post_form

BASE = "/admin/policy/drafts"


@pytest.fixture
def draft(hr):
    found = drafts.create_from_outline(hr, ClientInfo.system())
    db.session.commit()
    return found


def _url(draft) -> str:
    return f"{BASE}/{draft.id}/sections/scope/preview"


def _typed(**values) -> dict:
    return {"heading_fr": "Portée", "body_fr": "Texte.", "heading_en": "Scope", **values}


def test_the_preview_renders_what_is_typed_and_saves_nothing(client, auth, hr, draft):
    auth.login(hr.email)
    before = drafts.get(draft.id).revision
    page = f"{BASE}/{draft.id}/sections/scope"
    response = post_form(
        client,
        _url(draft),
        _typed(body_en="Be **kind** to {{ organisation_name }}."),
        page=page,
    )
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<strong>kind</strong>" in html and "Charte Demo SA" in html and "{{" not in html
    assert 'id="section-preview"' in html and "<html" not in html  # a fragment, not a page
    assert "Portée" in html  # both languages
    db.session.expire_all()
    assert drafts.get(draft.id).revision == before


def test_hostile_markup_is_stripped(client, auth, hr, draft):
    auth.login(hr.email)
    body = (
        "<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n\n<a href="javascript:alert(4)">x</a>'
    )
    html = post_form(
        client, _url(draft), _typed(body_en=body), page=f"{BASE}/{draft.id}/sections/scope"
    ).get_data(as_text=True)
    assert "<script" not in html and "alert(1)" not in html and "onerror" not in html
    assert 'href="javascript' not in html  # the link's text may stay, never as a link


def test_an_unknown_variable_is_named(client, auth, hr, draft):
    auth.login(hr.email)
    html = post_form(
        client, _url(draft), _typed(body_en="{{ nope }}"), page=f"{BASE}/{draft.id}/sections/scope"
    ).get_data(as_text=True)
    assert "Unknown variable: nope" in html


def test_missing_csrf_is_refused(client, auth, hr, draft):
    auth.login(hr.email)
    client.get(f"{BASE}/{draft.id}/sections/scope")
    response = client.post(_url(draft), data=_typed(body_en="Changed."))
    assert response.status_code == 400


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.COMMUNICATIONS, Role.AUDITOR])
def test_other_roles_are_refused(client, auth, draft, role):
    person = make_user(f"{role.value}@example.com", "Someone Else", role)
    auth.login(person.email)
    token = csrf_token(client, "/")
    response = client.post(_url(draft), data={**_typed(), "csrf_token": token})
    assert response.status_code == 403


def test_an_unknown_section_or_draft_is_404(client, auth, hr, draft):
    auth.login(hr.email)
    page = f"{BASE}/{draft.id}/sections/scope"
    assert (
        post_form(
            client, f"{BASE}/{draft.id}/sections/nope/preview", _typed(), page=page
        ).status_code
        == 404
    )
    assert (
        post_form(client, f"{BASE}/999/sections/scope/preview", _typed(), page=page).status_code
        == 404
    )


def test_the_preview_button_works_without_javascript(client, auth, hr, draft):
    auth.login(hr.email)
    before = drafts.get(draft.id).revision
    page = f"{BASE}/{draft.id}/sections/scope"
    response = post_form(
        client,
        page,
        {**_typed(body_en="Not saved yet."), "revision": str(before), "preview": "1"},
        page=page,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Not saved yet." in html
    assert 'data-section-preview="' in html and "policy-section-preview.js" in html
    db.session.expire_all()
    assert drafts.get(draft.id).revision == before
