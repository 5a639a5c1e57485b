"""Signing in and out, rate limits, sessions and redirects."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from tests.conftest import PASSWORD, csrf_token
from tests.production import production_config


def test_sign_in_and_out(client, auth, employee):
    response = auth.login(employee.email)
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/")
    assert employee.full_name in home.get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, auth, employee):
    assert auth.login(employee.email.upper()).status_code == 302


@pytest.mark.parametrize(
    "email,password",
    [
        ("employee@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
    ],
)
def test_failed_sign_in_says_the_same_thing(client, auth, employee, email, password):
    response = auth.login(email, password)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Email or password is incorrect." in body
    assert "does not exist" not in body
    assert client.get("/").status_code == 302


def test_failed_sign_in_is_audited(app, auth, employee):
    auth.login(employee.email, "wrong password!")
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "auth.sign_in_failed" in actions


def test_deactivated_user_cannot_sign_in(client, auth, employee, hr):
    from app.core.client import ClientInfo
    from app.people import accounts

    accounts.set_active(employee, False, actor=hr, client=ClientInfo.system())
    response = auth.login(employee.email)
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_deactivation_ends_existing_sessions(client, auth, employee, hr):
    from app.core.client import ClientInfo
    from app.people import accounts

    auth.login(employee.email)
    assert client.get("/").status_code == 200
    accounts.set_active(employee, False, actor=hr, client=ClientInfo.system())
    assert client.get("/").status_code == 302


def test_post_without_csrf_is_refused_and_signs_nobody_in(client, employee):
    response = client.post("/login", data={"email": employee.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_logout_requires_post_with_csrf(client, auth, employee):
    auth.login(employee.email)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def _saved_locale(employee) -> str:
    db.session.expire_all()
    return db.session.get(type(employee), employee.id).locale


def test_a_form_token_read_before_signing_in_is_refused_after_it(client, auth, employee):
    # As someone who planted their own cookie in the browser before the person signed in would
    # hold it.
    planted = csrf_token(client, "/login")
    auth.login(employee.email)
    refused = client.post("/me/language", data={"locale": "fr", "csrf_token": planted})
    assert refused.status_code == 400
    assert "form expired" in refused.get_data(as_text=True)
    assert _saved_locale(employee) == "en"
    fresh = csrf_token(client, "/me")
    assert (
        client.post("/me/language", data={"locale": "fr", "csrf_token": fresh}).status_code == 302
    )
    assert _saved_locale(employee) == "fr"


def test_a_form_token_from_before_a_sign_out_is_refused_after_the_next_sign_in(
    client, auth, employee
):
    auth.login(employee.email)
    before_sign_out = csrf_token(client, "/me")
    auth.logout()
    auth.login(employee.email)
    refused = client.post("/me/language", data={"locale": "fr", "csrf_token": before_sign_out})
    assert refused.status_code == 400
    assert _saved_locale(employee) == "en"


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/hr/employees", "/hr/employees"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_parameter_only_accepts_local_paths(client, employee, target, expected):
    token = csrf_token(client)
    response = client.post(
        f"/login?next={target}",
        data={"email": employee.email, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.location == expected


def test_sign_in_is_rate_limited_per_account(client, employee):
    token = csrf_token(client)
    statuses = [
        client.post(
            "/login", data={"email": employee.email, "password": "nope nope", "csrf_token": token}
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    assert "Too many attempts" in client.post(
        "/login", data={"email": employee.email, "password": PASSWORD, "csrf_token": token}
    ).get_data(as_text=True)


def test_sign_in_is_rate_limited_per_ip(client, app):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "3 per minute"
    token = csrf_token(client)
    statuses = [
        client.post(
            "/login", data={"email": f"u{i}@example.com", "password": "x", "csrf_token": token}
        ).status_code
        for i in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_session_cookie_flags(client, auth, employee):
    response = auth.login(employee.email)
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_need_a_secret(monkeypatch, tmp_path):
    from app import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            config={"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"},
            env="production",
        )
    app = create_app(
        config=production_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db"),
        env="production",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
