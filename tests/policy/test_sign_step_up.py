"""Signing without a password: step-up at the real OpenID provider, or a code by real email.

An SSO-only employee (no password in Charte) proves intent by signing in again at the provider
(`prompt=login`, `max_age=0`, a fresh `auth_time`) or, when the provider cannot force that, by a
six-digit code mailed to them. Bad paths: a stale or missing auth_time, a replayed state, a
wrong, expired, exhausted or reused code, and someone else's pending signature.
"""

from __future__ import annotations

import io
import json
import re
import socket
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from flask import g
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select, update

from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.step_up import StepUp
from app.models.types import utcnow
from tests.conftest import csrf_token, make_user
from tests.oidc_provider import charte_config
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")

SECRET = "provider password"
CODE_RE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def app_config(oidc_provider, smtp_server):
    return charte_config(oidc_provider, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)


@pytest.fixture
def provider(oidc_provider):
    oidc_provider.remember_sign_in = True  # like a real provider's own session cookie
    return oidc_provider


@pytest.fixture
def sso_employee(app, provider):
    """An employee who only ever signs in with the company account (no password here)."""
    user = make_user("sso.only@example.com", "Sacha Sso", password=None)
    provider.add_user(username="sacha", password=SECRET, email=user.email, name=user.full_name)
    publish(1)
    return user


def at_provider(url: str, username: str = "sacha") -> str:
    """Answer the provider: its form when it shows one; return where it sends the browser."""
    http = requests.Session()
    page = http.get(url, allow_redirects=False, timeout=10)
    if page.status_code == 302:  # the provider reused its session without asking
        return page.headers["Location"]
    assert "Test identity provider" in page.text
    answer = http.post(
        url,
        data={"username": username, "password": SECRET, "action": "login"},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def sso_sign_in(client: FlaskClient, username: str = "sacha") -> None:
    start = client.get("/login/sso")
    assert client.get(at_provider(start.headers["Location"], username)).status_code == 302


def post_sign(client: FlaskClient, name: str = "Sacha Sso"):
    """The signing form as the page shows it to a person without a password."""
    data = {
        "version": "1",
        "locale": "en",
        "agree": "y",
        "typed_name": name,
        "csrf_token": csrf_token(client, "/policy"),
    }
    return client.post("/policy", data=data)


def acks() -> list[Acknowledgement]:
    db.session.expire_all()
    return list(db.session.scalars(select(Acknowledgement)))


def audits(action: str) -> list[dict]:
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action))
    return [json.loads(row.details) for row in rows]


def receipt_text(client: FlaskClient, ack_id: int) -> str:
    pdf = client.get(f"/policy/receipts/{ack_id}.pdf").data
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def flashed(response) -> str:
    return " ".join(response.get_data(as_text=True).split()).replace("&#39;", "'")


# ---- step-up at the identity provider ---------------------------------------------------------


def test_sso_only_employee_signs_after_a_fresh_sign_in_at_the_provider(
    app, client, provider, sso_employee
):
    sso_sign_in(client)
    page = client.get("/policy").get_data(as_text=True)
    assert 'name="password"' not in page and "signing in again with your company account" in page

    response = post_sign(client)
    assert response.status_code == 302
    authorize = response.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(provider.issuer + "/authorize")
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    assert query["state"] and query["nonce"] and query["code_challenge_method"] == ["S256"]
    assert query["login_hint"] == [sso_employee.email]
    assert acks() == []  # nothing is signed before the proof

    # The provider remembers the earlier sign-in, but prompt=login makes it ask again.
    back = client.get(at_provider(authorize))
    assert back.status_code == 302 and "/policy/step-up/" in back.headers["Location"]
    done = client.get(back.headers["Location"], follow_redirects=True)
    assert "Thank you: your signature is recorded." in flashed(done)

    [ack] = acks()
    assert ack.user_id == sso_employee.id and ack.auth_method == "sso_step_up"
    [detail] = audits("policy.signed")
    assert detail["intent_proved_by"] == "sso_step_up" and detail["auth_time"]
    text = receipt_text(client, ack.id)
    assert "signing in again at the company's identity provider" in text
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_a_provider_that_reuses_an_older_sign_in_is_refused(client, provider, sso_employee):
    sso_sign_in(client)
    provider.ignore_prompt = True  # it answers at once with its session...
    provider.signed_in_at -= 60  # ...whose sign-in happened before the step-up started
    authorize = post_sign(client).headers["Location"]
    back = client.get(at_provider(authorize))
    page = flashed(client.get(back.headers["Location"], follow_redirects=True))
    assert "did not ask you to sign in again" in page and "Nothing was signed." in page
    assert acks() == []
    assert audits("auth.step_up_failed")[-1]["reason"] == "stale_auth_time"


def test_an_id_token_without_auth_time_is_refused(client, provider, sso_employee):
    sso_sign_in(client)
    provider.omit_auth_time = True
    back = client.get(at_provider(post_sign(client).headers["Location"]))
    page = flashed(client.get(back.headers["Location"], follow_redirects=True))
    assert "did not ask you to sign in again" in page
    assert acks() == []


def test_confirming_as_another_company_account_is_refused(client, provider, sso_employee):
    provider.add_user(username="colleague", password=SECRET, email="colleague@example.com")
    sso_sign_in(client)
    back = client.get(at_provider(post_sign(client).headers["Location"], "colleague"))
    page = flashed(client.get(back.headers["Location"], follow_redirects=True))
    assert "another company account" in page
    assert acks() == []


def test_a_replayed_state_is_refused_even_with_the_old_session_cookie(
    client, provider, sso_employee
):
    sso_sign_in(client)
    authorize = post_sign(client).headers["Location"]
    callback = at_provider(authorize)
    old_cookie = client.get_cookie("session").value  # still holds Authlib's state data
    client.get(client.get(callback).headers["Location"])
    assert len(acks()) == 1

    client.set_cookie("session", old_cookie)
    replay = client.get(callback, follow_redirects=True)
    assert "This confirmation was already used." in flashed(replay)
    assert len(acks()) == 1
    assert audits("auth.step_up_failed")[-1] == {
        "reason": "used",
        "method": "sso_step_up",
        "purpose": "policy-signature",
        "replayed": True,
    }


def test_another_persons_pending_signature_cannot_be_completed(app, client, provider, sso_employee):
    sso_sign_in(client)
    callback = at_provider(post_sign(client).headers["Location"])
    step_id = db.session.scalar(select(StepUp.id))

    other = make_user("other.sso@example.com", "Other Person", password=None)
    provider.add_user(username="other", password=SECRET, email=other.email)
    provider.signed_in = None  # another browser: no session at the provider
    g.pop("_login_user", None)  # the test app context caches the signed-in user
    intruder = app.test_client()
    sso_sign_in(intruder, "other")
    assert intruder.get(f"/policy/step-up/{step_id}").status_code == 404
    assert intruder.get(f"/policy/step-up/{step_id}/code").status_code == 404
    refused = intruder.get(callback, follow_redirects=True)
    assert "another company account" in flashed(refused)
    assert acks() == []
    # The owner's own answer is now refused too: a step-up touched by someone else is spent.
    g.pop("_login_user", None)
    client.get(client.get(callback).headers.get("Location", "/"))
    assert acks() == []


def test_the_proof_cannot_be_used_twice_or_late(client, provider, sso_employee):
    sso_sign_in(client)
    back = client.get(at_provider(post_sign(client).headers["Location"]))
    step_path = back.headers["Location"]
    db.session.execute(update(StepUp).values(proved_at=utcnow() - timedelta(minutes=6)))
    db.session.commit()
    late = client.get(step_path, follow_redirects=True)
    assert "This confirmation has expired." in flashed(late)
    assert acks() == []


# ---- a code by email when the provider cannot ------------------------------------------------


def _code_from(smtp_server) -> str:
    return CODE_RE.search(smtp_server.messages[-1].get_content()).group(1)


def start_email_code(client, provider, smtp_server) -> str:
    provider.advertise_step_up = False  # its metadata does not list auth_time
    sso_sign_in(client)
    response = post_sign(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/code")
    return response.headers["Location"]


def post_code(client, path: str, code: str):
    data = {"code": code, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=data, follow_redirects=True)


def test_a_code_by_email_confirms_when_the_provider_cannot(
    client, provider, smtp_server, sso_employee
):
    path = start_email_code(client, provider, smtp_server)
    message = smtp_server.messages[-1]
    assert message["To"] == sso_employee.email
    code = _code_from(smtp_server)
    assert "valid for 10 minutes" in message.get_content()

    wrong = "000000" if code != "000000" else "111111"
    page = flashed(post_code(client, path, wrong))
    assert "This code is not right. Tries left: 4." in page
    assert acks() == []

    done = post_code(client, path, code)
    assert "Thank you: your signature is recorded." in flashed(done)
    [ack] = acks()
    assert ack.auth_method == "email_code"
    assert audits("policy.signed")[0]["intent_proved_by"] == "email_code"
    assert "one-time code sent to the employee's email address" in receipt_text(client, ack.id)

    again = post_code(client, path, code)  # the same code, a second time
    assert "This confirmation was already used." in flashed(again)
    assert len(acks()) == 1


def test_an_expired_code_is_refused(client, provider, smtp_server, sso_employee):
    path = start_email_code(client, provider, smtp_server)
    db.session.execute(update(StepUp).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    page = flashed(post_code(client, path, _code_from(smtp_server)))
    assert "This confirmation has expired." in page
    assert acks() == []


def test_five_wrong_codes_spend_the_code(client, provider, smtp_server, sso_employee):
    path = start_email_code(client, provider, smtp_server)
    code = _code_from(smtp_server)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(4):
        post_code(client, path, wrong)
    assert "Too many wrong codes." in flashed(post_code(client, path, wrong))
    assert "Too many wrong codes." in flashed(post_code(client, path, code))
    assert acks() == []


def test_the_admin_can_choose_email_codes_over_the_provider(
    client, admin, provider, smtp_server, sso_employee
):
    settings.update({"sso.step_up_at_provider": False}, actor=admin, client=ClientInfo.system())
    sso_sign_in(client)
    response = post_sign(client)
    assert response.headers["Location"].endswith("/code")
    assert len(smtp_server.messages) == 1


def test_without_provider_step_up_or_mail_nothing_can_be_signed(
    app, client, provider, sso_employee
):
    provider.advertise_step_up = False
    app.config["MAIL_SERVER"] = None
    sso_sign_in(client)
    response = post_sign(client)
    assert response.status_code == 200
    assert "Ask HR to record a paper signature." in flashed(response)
    assert acks() == []
    assert db.session.scalar(select(func.count()).select_from(StepUp)) == 0


def test_a_wrong_name_is_refused_before_going_to_the_provider(client, provider, sso_employee):
    sso_sign_in(client)
    response = post_sign(client, name="Someone Else")
    assert response.status_code == 200
    assert "Type your full name exactly as it appears on your account" in flashed(response)
    assert db.session.scalar(select(func.count()).select_from(StepUp)) == 0


def test_a_code_that_cannot_be_mailed_says_so_and_records_nothing(
    app, client, provider, sso_employee
):
    provider.advertise_step_up = False
    with socket.socket() as probe:  # a loopback port where nothing listens
        probe.bind(("127.0.0.1", 0))
        app.config["MAIL_PORT"] = probe.getsockname()[1]
    sso_sign_in(client)
    response = post_sign(client)
    assert response.status_code == 200
    assert "The code could not be sent by email." in flashed(response)
    assert db.session.scalar(select(func.count()).select_from(StepUp)) == 0
    assert acks() == []
