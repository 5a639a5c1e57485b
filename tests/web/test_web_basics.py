"""Security headers, error pages, languages and the health check."""

from __future__ import annotations

import pytest
from sqlalchemy import text


def test_security_headers_on_every_response(client):
    for url in ["/login", "/healthz", "/does-not-exist"]:
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_inline_script_in_pages(client, auth, hr):
    auth.login(hr.email)
    for url in ["/", "/hr/employees", "/hr/import", "/login"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html
        assert "onclick=" not in html
        assert 'style="' not in html


def test_404_page_in_the_browser_language(client):
    response = client.get("/nowhere", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert '<html lang="fr">' in body
    assert "Page introuvable" in body


def test_500_page_has_no_stack_trace(app, client):
    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = client.get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "secret internals" not in body
    assert "Something went wrong" in body


def test_locale_from_accept_language_then_default(client):
    assert 'lang="en"' in client.get("/login", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert 'lang="fr"' in client.get("/login", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )


def test_language_switcher_remembers_choice(client, auth, employee):
    from tests.conftest import post_form

    auth.login(employee.email)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    post_form(client, "/language", {"locale": "fr", "next": "/"})
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)
    assert employee.locale == "fr"


def test_language_switch_does_not_redirect_off_site(client):
    from tests.conftest import post_form

    response = post_form(
        client, "/language", {"locale": "en", "next": "https://evil.example"}, page="/login"
    )
    assert response.location in ("/", "/login") or response.location.startswith("/login")


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_is_unreachable(tmp_path):
    from app import create_app

    url = "postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=1"
    app = create_app(config={"SQLALCHEMY_DATABASE_URI": url}, env="test")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_database_outage_renders_503_page(app, client):
    from sqlalchemy.exc import OperationalError

    @app.route("/needs-db")
    def needs_db():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    response = client.get("/needs-db", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "temporarily unavailable" in body
    assert "connection refused" not in body


@pytest.mark.usefixtures("app")
def test_database_answers(app):
    from app.extensions import db

    assert db.session.execute(text("SELECT 1")).scalar() == 1


def test_lost_connection_surfacing_as_another_error_is_a_503(app, client):
    from sqlalchemy.exc import DBAPIError, PendingRollbackError

    @app.route("/lost-connection")
    def lost_connection():
        raise DBAPIError(
            "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
        )

    @app.route("/pending-rollback")
    def pending_rollback():
        raise PendingRollbackError("This Session's transaction has been rolled back")

    for url in ["/lost-connection", "/pending-rollback"]:
        response = client.get(url, headers={"Accept-Language": "en"})
        assert response.status_code == 503
        assert "server closed" not in response.get_data(as_text=True)


def test_production_and_development_hash_passwords_with_scrypt(tmp_path):
    """Tests hash cheaply (TestConfig); every deployable configuration must use scrypt."""
    from app import create_app
    from app.config import CONFIGS

    for env in ("development", "production"):
        assert CONFIGS[env].PASSWORD_HASH_METHOD == "scrypt"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'hash.db'}", "SECRET_KEY": "k" * 32},
        env="development",
    )
    with app.app_context():
        from app.models.user import User

        user = User(email="hash@example.com", full_name="Hash")
        user.set_password("correct horse battery")
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password("correct horse battery")
