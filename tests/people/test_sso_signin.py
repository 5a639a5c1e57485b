"""Single sign-on against a real OpenID provider on loopback: success and every refusal."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import Role, User
from app.people import accounts
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, charte_config

SECRET = "provider password"


@pytest.fixture
def app_config(oidc_provider):
    return charte_config(oidc_provider)


def start(client, path: str = "/login/sso") -> str:
    """Click the SSO button: return the provider URL Charte redirects to."""
    response = client.get(path)
    assert response.status_code == 302
    return response.headers["Location"]


def sign_in_at_provider(authorize_url: str, username: str, password: str = SECRET) -> str:
    """Fill the provider's form as a person would; return where the provider sends the browser."""
    http = requests.Session()
    page = http.get(authorize_url, timeout=10)
    assert page.status_code == 200, page.text
    assert "Test identity provider" in page.text
    answer = http.post(
        authorize_url,
        data={"username": username, "password": password, "action": "login"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def sso(client, username: str, path: str = "/login/sso"):
    """The whole round trip; returns Charte's answer to the callback (followed)."""
    callback = sign_in_at_provider(start(client, path), username)
    return client.get(callback, follow_redirects=True)


def audits(action: str) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
    return [json.loads(row.details) for row in rows]


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def turn_on(key: str, admin: User) -> None:
    settings.update({key: True}, actor=admin, client=ClientInfo.system())


def test_existing_user_signs_in_by_verified_email_ignoring_case(client, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email="Employee@Example.COM")
    authorize_url = start(client)
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(oidc_provider.issuer + "/authorize")
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"] and query["nonce"] and query["code_challenge"]
    assert query["scope"] == ["openid email profile"]

    callback = sign_in_at_provider(authorize_url, "elodie")
    response = client.get(callback, follow_redirects=True)

    assert response.status_code == 200
    assert "Hello, Élodie Employée" in response.get_data(as_text=True)
    assert oidc_provider.token_requests[-1]["code_verifier"]
    assert audits("auth.signed_in")[-1] == {"method": "oidc"}
    assert db.session.get(User, employee.id).last_login_at is not None


def test_sign_in_returns_to_the_page_asked_for(client, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    callback = sign_in_at_provider(start(client, "/login/sso?next=/admin/settings"), "elodie")
    response = client.get(callback)
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/settings"


def test_sso_start_ignores_a_foreign_next(client, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    callback = sign_in_at_provider(start(client, "/login/sso?next=https://evil.example"), "elodie")
    assert client.get(callback).headers["Location"] == "/"


def test_unknown_user_is_refused_when_creation_is_off(client, oidc_provider):
    oidc_provider.add_user(username="new", password=SECRET, email="new.person@example.com")
    before = user_count()
    page = sso(client, "new").get_data(as_text=True)
    assert "There is no account for this email. Ask HR to invite you." in page
    assert "Sign in with your company account" in page
    assert user_count() == before
    assert audits("auth.sso_failed") == [
        {"reason": "no_account", "email": "new.person@example.com"}
    ]
    assert client.get("/").status_code == 302  # still signed out


def test_unknown_user_is_created_with_mapped_department_and_role(client, admin, oidc_provider):
    turn_on("sso.create_users", admin)
    oidc_provider.add_user(
        username="nina",
        password=SECRET,
        email="Nina.Ruiz@Example.com",
        name="Nina Ruiz",
        department="Ressources humaines",
        groups=["everyone", "charte-hr"],
    )
    page = sso(client, "nina").get_data(as_text=True)

    assert "HR dashboard" in page or "Dashboard" in page  # HR land on the dashboard
    user = accounts.find_by_email("nina.ruiz@example.com")
    assert (user.full_name, user.department, user.role) == (
        "Nina Ruiz",
        "Ressources humaines",
        "hr",
    )
    assert user.email == "nina.ruiz@example.com"
    assert user.password_hash is None
    assert audits("user.created")[-1] == {"role": "hr", "department": "Ressources humaines"}
    assert audits("auth.signed_in")[-1] == {"method": "oidc"}


def test_created_user_without_a_mapped_group_is_an_employee(client, admin, oidc_provider):
    turn_on("sso.create_users", admin)
    oidc_provider.add_user(
        username="sam", password=SECRET, email="sam@example.com", groups=["charte-auditors"]
    )
    sso(client, "sam")
    user = accounts.find_by_email("sam@example.com")
    assert user.role == Role.EMPLOYEE.value
    assert user.full_name == "sam"  # no name claim: the part before @
    assert user.department == ""


def test_the_highest_mapped_role_wins(client, admin, oidc_provider):
    turn_on("sso.create_users", admin)
    oidc_provider.add_user(
        username="boss",
        password=SECRET,
        email="boss@example.com",
        name="Big Boss",
        groups=["charte-hr", "charte-admin"],
    )
    sso(client, "boss")
    assert accounts.find_by_email("boss@example.com").role == Role.ADMIN.value


def test_unverified_email_is_refused(client, admin, employee, oidc_provider):
    turn_on("sso.create_users", admin)
    oidc_provider.add_user(
        username="elodie", password=SECRET, email=employee.email, email_verified=False
    )
    before = user_count()
    page = sso(client, "elodie").get_data(as_text=True)
    assert "The email address of your company account is not verified." in page
    assert user_count() == before
    assert audits("auth.sso_failed")[-1]["reason"] == "email_unverified"
    assert client.get("/").status_code == 302


def _with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query["state"] = state
    return urlunsplit(parts._replace(query=urlencode(query)))


def test_tampered_state_is_refused(client, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    callback = sign_in_at_provider(start(client), "elodie")
    page = client.get(_with_state(callback, "forged-state"), follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "does not match a sign-in started from this browser" in text
    assert audits("auth.sso_failed") == [{"reason": "state_mismatch"}]
    assert oidc_provider.token_requests == []  # the code was never exchanged
    assert client.get("/").status_code == 302


def test_callback_without_a_started_sign_in_is_refused(client, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    callback = sign_in_at_provider(start(client), "elodie")
    other_browser = client.application.test_client()
    page = other_browser.get(callback, follow_redirects=True).get_data(as_text=True)
    assert "does not match a sign-in started from this browser" in page


def test_nonce_mismatch_is_refused(client, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    oidc_provider.wrong_nonce = True
    page = sso(client, "elodie").get_data(as_text=True)
    assert "could not be verified" in page
    assert audits("auth.sso_failed") == [{"reason": "nonce_mismatch", "claim": "nonce"}]
    assert audits("auth.signed_in") == []
    assert client.get("/").status_code == 302


def test_id_token_signed_with_another_key_is_refused(client, auth, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    sso(client, "elodie")  # Charte now holds the provider's published key
    auth.logout()
    # Same key id, different key: the signature cannot verify against the published key.
    oidc_provider.key = RSAKey.generate_key(2048, parameters={"kid": oidc_provider.key.kid})
    page = sso(client, "elodie").get_data(as_text=True)
    assert "could not be verified" in page
    assert audits("auth.sso_failed")[-1]["reason"] == "id_token_invalid"
    assert client.get("/").status_code == 302


def test_deactivated_user_is_refused(client, employee, hr, oidc_provider):
    accounts.set_active(employee, False, actor=hr, client=ClientInfo.system())
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    page = sso(client, "elodie").get_data(as_text=True)
    assert "This account is deactivated." in page
    assert audits("auth.sso_failed")[-1] == {"reason": "account_deactivated"}
    assert client.get("/").status_code == 302


def test_cancel_at_the_provider_comes_back_with_a_message(client, employee, oidc_provider):
    authorize_url = start(client)
    answer = requests.post(
        authorize_url, data={"action": "cancel"}, allow_redirects=False, timeout=10
    )
    assert "error=access_denied" in answer.headers["Location"]
    page = client.get(answer.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Sign-in with your company account was cancelled or refused." in page
    assert audits("auth.sso_failed") == [{"reason": "provider_error", "error": "access_denied"}]


def test_failed_code_exchange_is_refused(client, employee, oidc_provider):
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    callback = sign_in_at_provider(start(client), "elodie")
    oidc_provider.codes.clear()  # the provider no longer knows the code (expired, replayed)
    page = client.get(callback, follow_redirects=True).get_data(as_text=True)
    assert "refused to complete the sign-in" in page
    failure = audits("auth.sso_failed")[-1]
    assert failure == {"reason": "token_exchange_failed", "error": "invalid_grant"}
    code = parse_qs(urlsplit(callback).query)["code"][0]
    assert code not in json.dumps(audits("auth.sso_failed"))


def test_unreachable_provider_is_reported(client, oidc_provider):
    oidc_provider.stop()
    response = client.get("/login/sso", follow_redirects=True)
    assert "cannot be reached right now" in response.get_data(as_text=True)
    assert audits("auth.sso_failed") == [{"reason": "provider_unreachable"}]


def test_the_provider_checks_the_pkce_verifier(client, employee, oidc_provider):
    """The fixture is a real provider: a code is useless without its code_verifier."""
    oidc_provider.add_user(username="elodie", password=SECRET, email=employee.email)
    callback = sign_in_at_provider(start(client), "elodie")
    code = parse_qs(urlsplit(callback).query)["code"][0]
    answer = requests.post(
        f"{oidc_provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://localhost/login/sso/callback",
            "code_verifier": "x" * 50,
        },
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_sso_is_rate_limited_like_password_sign_in(client, employee, oidc_provider, app):
    app.config["LOGIN_RATE_LIMIT_PER_IP"] = "2 per minute"
    for _ in range(2):
        client.get("/login/sso/callback?state=x&code=y")
    assert client.get("/login/sso/callback?state=x&code=y").status_code == 429
