"""API tokens: shown once, stored hashed, scoped, revocable, audited; errors are problem details."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import tokens
from app.models.api_token import ApiToken
from app.models.audit import AuditEvent
from tests.api_helpers import bearer, issue
from tests.conftest import post_form

PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_admin_creates_a_token_shown_once_then_only_its_prefix(client, auth, admin):
    auth.login(admin.email)
    response = post_form(
        client,
        "/admin/api-tokens",
        {"name": "Payroll sync", "scopes": ["employees:read", "status:read"]},
        page="/admin/api-tokens",
    )
    page = response.get_data(as_text=True)
    value = re.search(r'value="(chrt_[A-Za-z0-9_\-]+)"', page).group(1)
    assert len(value) >= len("chrt_") + 27  # at least 160 random bits
    token = db.session.scalar(select(ApiToken))
    assert token.token_sha256 == tokens.digest(value)
    assert value not in token.prefix and token.prefix == value[:11]
    assert "api_token.created" in _actions()
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert value not in listing
    assert token.prefix in listing and "Payroll sync" in listing
    # The token works until it is revoked.
    assert client.get("/api/v1/employees", headers=bearer(value)).status_code == 200
    post_form(client, f"/admin/api-tokens/{token.id}/revoke", page="/admin/api-tokens")
    assert "api_token.revoked" in _actions()
    refused = client.get("/api/v1/employees", headers=bearer(value))
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert set(refused.get_json()) >= PROBLEM_KEYS


def test_token_form_needs_a_scope_and_csrf(client, auth, admin):
    auth.login(admin.email)
    post_form(client, "/admin/api-tokens", {"name": "x"}, page="/admin/api-tokens")
    assert (
        client.post("/admin/api-tokens", data={"name": "x", "scopes": ["status:read"]}).status_code
        == 400
    )
    assert db.session.scalar(select(ApiToken)) is None


def test_only_admins_see_the_token_page(client, auth, hr):
    auth.login(hr.email)
    assert client.get("/admin/api-tokens").status_code == 403
    assert client.get("/admin/webhooks").status_code == 403


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer chrt_wrong", "Basic abc", "Token x"])
def test_missing_or_wrong_tokens_get_401_problems(client, admin, header):
    response = client.get("/api/v1/employees", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401 and body["instance"] == "/api/v1/employees"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_the_scope_gets_403(client, admin):
    token = issue(admin, scopes=["employees:read"])
    response = client.put(
        "/api/v1/employees/new@example.com", json={"full_name": "New Person"}, headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.get_json()["scope"] == "employees:write"
    assert response.mimetype == "application/problem+json"


def test_a_token_stops_when_its_issuer_is_no_longer_admin(client, admin):
    token = issue(admin)
    admin.role = "hr"
    db.session.commit()
    assert client.get("/api/v1/employees", headers=bearer(token)).status_code == 401


def test_last_used_is_recorded(client, admin):
    token = issue(admin)
    assert db.session.scalar(select(ApiToken.last_used_at)) is None
    client.get("/api/v1/employees", headers=bearer(token))
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_unknown_paths_and_methods_under_api_are_problems(client, admin):
    token = issue(admin)
    missing = client.get("/api/v1/nothing-here", headers=bearer(token))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/employees", headers=bearer(token))
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
    # Outside the API, errors stay pages.
    assert client.get("/nothing-here").mimetype == "text/html"


def test_rate_limit_per_token(app, client, admin):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    first, second = issue(admin, name="one"), issue(admin, name="two")
    codes = [client.get("/api/v1/employees", headers=bearer(first)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = client.get("/api/v1/employees", headers=bearer(first))
    assert limited.mimetype == "application/problem+json"
    assert client.get("/api/v1/employees", headers=bearer(second)).status_code == 200


def test_revoking_twice_changes_nothing(admin):
    issued = tokens.create("x", ["status:read"], actor=admin, client=ClientInfo.system())
    assert tokens.revoke(issued.token.id, actor=admin, client=ClientInfo.system())
    assert not tokens.revoke(issued.token.id, actor=admin, client=ClientInfo.system())
    assert _actions().count("api_token.revoked") == 1


def test_nul_characters_are_refused_before_the_database(client, admin):
    token = issue(admin)
    assert client.get("/api/v1/employees/a%00b", headers=bearer(token)).status_code == 400
    body = client.put(
        "/api/v1/employees/n@example.com", json={"full_name": "a\u0000b"}, headers=bearer(token)
    )
    assert body.status_code == 400 and body.mimetype == "application/problem+json"
