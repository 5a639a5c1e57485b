"""Password sign-in next to single sign-on: the login page, the admins-only rule, and SSO off."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app import create_app
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from tests.conftest import PASSWORD, csrf_token
from tests.oidc_provider import charte_config


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def admins_only(admin) -> None:
    settings.update(
        {"sso.password_login_for_admins_only": True}, actor=admin, client=ClientInfo.system()
    )


def forgot(client, email: str):
    token = csrf_token(client, "/forgot-password")
    return client.post(
        "/forgot-password", data={"email": email, "csrf_token": token}, follow_redirects=True
    )


class TestWithSingleSignOn:
    @pytest.fixture
    def app_config(self, oidc_provider):
        return charte_config(oidc_provider, OIDC_BUTTON_LABEL=None)

    def test_login_page_offers_the_company_account_first(self, client):
        page = client.get("/login").get_data(as_text=True)
        assert "Sign in with your company account" in page
        assert page.index("Sign in with your company account") < page.index('name="password"')
        assert 'href="/login/sso"' in page
        assert "reserved for administrators" not in page

    def test_login_page_keeps_next_for_the_sso_button(self, client):
        page = client.get("/login?next=/admin/settings").get_data(as_text=True)
        assert 'href="/login/sso?next=/admin/settings"' in page

    def test_login_page_is_in_french(self, client):
        page = client.get("/login", headers={"Accept-Language": "fr"}).get_data(as_text=True)
        assert "Se connecter avec votre compte d’entreprise" in page

    def test_password_sign_in_still_works_while_the_setting_is_off(self, auth, employee):
        assert auth.login(employee.email).status_code == 302

    def test_non_admin_password_sign_in_is_refused_when_admins_only(
        self, client, auth, employee, hr, admin
    ):
        admins_only(admin)
        page = client.get("/login").get_data(as_text=True)
        assert "Password sign-in is reserved for administrators." in page

        for person in (employee, hr):
            response = auth.login(person.email)
            text = response.get_data(as_text=True)
            assert response.status_code == 200
            assert "Use “Sign in with your company account” instead." in text
            assert client.get("/").status_code == 302  # not signed in
        failed = db.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "auth.sign_in_failed")
        ).all()
        assert [json.loads(d) for d in failed] == [{"reason": "password_sign_in_disabled"}] * 2

    def test_wrong_password_gets_the_usual_answer_when_admins_only(self, auth, employee, admin):
        admins_only(admin)
        text = auth.login(employee.email, "not the password").get_data(as_text=True)
        assert "Email or password is incorrect." in text
        assert "company account” instead" not in text

    def test_admin_keeps_password_sign_in_as_a_break_glass(self, client, auth, admin):
        admins_only(admin)
        response = auth.login(admin.email)
        assert response.status_code == 302
        assert "Hello, Ada Admin" in client.get("/").get_data(as_text=True)

    def test_forgot_password_only_for_admins_when_admins_only(self, client, employee, admin):
        admins_only(admin)
        page = client.get("/forgot-password").get_data(as_text=True)
        assert "Only administrators sign in with a password here" in page

        answer = forgot(client, employee.email).get_data(as_text=True)
        assert "If an account exists for this address" in answer  # same answer as ever
        assert "auth.reset_link_issued" not in actions()

        forgot(client, admin.email)
        assert actions().count("auth.reset_link_issued") == 1

    def test_button_label_is_configurable(self, oidc_provider, database_url):
        app = create_app(
            config={
                "SQLALCHEMY_DATABASE_URI": database_url,
                "CHARTE_DEFAULT_LOCALE": "en",
                **charte_config(oidc_provider, OIDC_BUTTON_LABEL="Sign in with Acme ID"),
            },
            env="test",
        )
        page = app.test_client().get("/login").get_data(as_text=True)
        assert "Sign in with Acme ID" in page
        assert "Sign in with your company account" not in page

    def test_login_page_queries_stay_bounded(self, client, count_queries):
        with count_queries() as counter:
            client.get("/login")
        assert counter.count <= 2


class TestWithoutSingleSignOn:
    def test_sso_routes_answer_404(self, client):
        assert client.get("/login/sso").status_code == 404
        assert client.get("/login/sso/callback?code=x&state=y").status_code == 404

    def test_login_page_has_no_sso_button(self, client):
        page = client.get("/login").get_data(as_text=True)
        assert "company account" not in page
        assert "/login/sso" not in page

    def test_admins_only_setting_has_no_effect(self, auth, employee, admin):
        admins_only(admin)
        assert auth.login(employee.email, PASSWORD).status_code == 302


def test_bad_role_mapping_refuses_to_start(database_url):
    with pytest.raises(ValueError, match="employee, hr or admin"):
        create_app(
            config={
                "SQLALCHEMY_DATABASE_URI": database_url,
                "OIDC_ISSUER": "http://127.0.0.1:9",
                "OIDC_CLIENT_ID": "x",
                "OIDC_CLIENT_SECRET": "y",
                "OIDC_ROLE_MAP": "charte-boss=superuser",
            },
            env="test",
        )


def test_issuer_without_client_credentials_refuses_to_start(database_url):
    with pytest.raises(RuntimeError, match="OIDC_CLIENT_ID"):
        create_app(
            config={"SQLALCHEMY_DATABASE_URI": database_url, "OIDC_ISSUER": "http://127.0.0.1:9"},
            env="test",
        )
