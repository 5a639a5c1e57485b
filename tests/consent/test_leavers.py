"""People who have left withdraw with a signed link: offboarding mail, public form, bad links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.consent import leavers, offboarding
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.types import utcnow
from tests.conftest import post_form
from tests.consent_helpers import decide, state


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


def _link(message) -> str:
    found = re.search(r"http://localhost(/image-consent/leaver/\S+)", message.get_content())
    assert found, message.get_content()
    return found.group(1)


def _leave(person, hr):
    offboarding.deactivate(person, offboarding.KEEP, actor=hr, client=ClientInfo.system())


def test_the_offboarding_mail_links_to_a_one_time_withdrawal_as_the_person(
    app, client, hr, employee, purposes, smtp_server
):
    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted")
    decide(employee, "company-website", "photo", "granted")
    _leave(employee, hr)
    [message] = [m for m in smtp_server.messages if m["To"] == employee.email]
    assert message["Subject"] == "Your image consents after you leave"
    link = _link(message)

    page = client.get(link).get_data(as_text=True)
    assert "These image-use consents are still valid" in page
    social = re.search(r'value="(\d+:photo)"[^>]*>\s*<label[^>]*>[^<]*', page)
    assert social
    keys = re.findall(r'name="consent" value="([^"]+)"', page)
    assert len(keys) == 2
    response = post_form(client, link, {"consent": keys[0]}, page=link)
    assert response.status_code == 200
    assert "1 consent withdrawn" in response.get_data(as_text=True)

    withdrawn = db.session.scalar(select(ConsentEvent).where(ConsentEvent.decision == "revoked"))
    assert withdrawn.recorded_by_id == employee.id and withdrawn.on_behalf is False
    entry = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "consent.revoked", AuditEvent.target_id == str(withdrawn.id)
        )
    )
    assert entry.actor_id == employee.id and entry.subject_id == employee.id
    still = [k for k in keys if k != keys[0]]
    assert len(leavers.withdrawable(employee, today)) == 1
    assert leavers.withdrawable(employee, today)[0].key == still[0]

    # Used once: the same link (a double submission too) now refuses, and records nothing.
    again = client.get(link)
    assert again.status_code == 404
    assert "already used" in again.get_data(as_text=True)
    assert post_form(client, link, {"consent": still[0]}, page="/login").status_code == 404
    assert len(leavers.withdrawable(employee, today)) == 1


def test_no_offboarding_mail_when_consents_end_or_none_is_valid(
    app, hr, employee, other_employee, purposes, smtp_server
):
    decide(employee, "social-media", "photo", "granted")
    offboarding.deactivate(employee, offboarding.END_NOW, actor=hr, client=ClientInfo.system())
    _leave(other_employee, hr)  # never consented: nothing to withdraw
    assert [m["To"] for m in smtp_server.messages] == []


def test_the_public_form_answers_the_same_for_every_address(
    app, client, hr, employee, other_employee, purposes, smtp_server
):
    decide(employee, "social-media", "photo", "granted")
    decide(other_employee, "social-media", "photo", "granted")
    _leave(employee, hr)
    smtp_server.messages.clear()
    login = client.get("/login").get_data(as_text=True)
    assert 'href="/image-consent/leaver"' in login  # found without an account
    answers = []
    for address in (employee.email.upper(), other_employee.email, "nobody@example.com"):
        response = post_form(
            client,
            "/image-consent/leaver",
            {"email": address},
            page="/image-consent/leaver",
            follow_redirects=True,
        )
        body = response.get_data(as_text=True)
        answers.append(re.search(r"If this address belongs[^<]*", body).group(0))
    assert len(set(answers)) == 1  # the leaver, an active employee, an unknown address
    [message] = smtp_server.messages  # only the leaver gets a link
    assert message["To"] == employee.email
    assert client.get(_link(message)).status_code == 200
    # The link is mailed once the answer has gone (how long it took says nothing).
    smtp_server.messages.clear()
    response = post_form(
        client, "/image-consent/leaver", {"email": employee.email}, page="/image-consent/leaver"
    )
    assert response.status_code == 302 and smtp_server.messages == []
    response.close()
    assert [m["To"] for m in smtp_server.messages] == [employee.email]


def test_the_public_form_is_rate_limited(app, client, purposes, smtp_server):
    def ask(email):
        return post_form(
            client, "/image-consent/leaver", {"email": email}, page="/image-consent/leaver"
        ).status_code

    # Three requests an hour for one address, five a minute from one host.
    assert [ask("x@example.com") for _ in range(4)] == [302, 302, 302, 429]
    assert [ask("y@example.com"), ask("z@example.com")] == [302, 429]


def test_forged_expired_and_active_links_are_refused(
    app, client, hr, employee, other_employee, purposes, monkeypatch
):
    decide(employee, "social-media", "photo", "granted")
    decide(other_employee, "social-media", "photo", "granted")
    _leave(employee, hr)
    token = leavers.make_token(employee, leavers.FROM_FORM)
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.get(f"/image-consent/leaver/{forged}")
    assert response.status_code == 404 and "not valid" in response.get_data(as_text=True)
    # Another person (still active) cannot be reached by a link: they sign in instead.
    active = leavers.make_token(other_employee, leavers.FROM_FORM)
    response = client.get(f"/image-consent/leaver/{active}")
    assert response.status_code == 404 and "sign in" in response.get_data(as_text=True)
    # A form link lives 24 hours; an offboarding link 30 days.
    offboarding_token = leavers.make_token(employee, leavers.FROM_OFFBOARDING)
    later = utcnow() + timedelta(days=2)
    monkeypatch.setattr(leavers, "utcnow", lambda: later)
    response = client.get(f"/image-consent/leaver/{token}")
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True)
    assert client.get(f"/image-consent/leaver/{offboarding_token}").status_code == 200
    assert state(employee, "social-media", "photo", utcnow().date()).status == "granted"


def test_withdrawing_needs_the_csrf_token_and_touches_only_the_links_owner(
    app, client, hr, employee, other_employee, purposes
):
    decide(employee, "social-media", "photo", "granted")
    decide(other_employee, "social-media", "photo", "granted")
    _leave(employee, hr)
    _leave(other_employee, hr)
    link = f"/image-consent/leaver/{leavers.make_token(employee, leavers.FROM_FORM)}"
    keys = re.findall(r'name="consent" value="([^"]+)"', client.get(link).get_data(as_text=True))
    assert client.post(link, data={"consent": keys}).status_code == 400
    assert client.post(link, data={"consent": keys, "csrf_token": "forged"}).status_code == 400
    today = utcnow().date()
    assert state(employee, "social-media", "photo", today).status == "granted"
    post_form(client, link, {"consent": keys}, page=link)
    assert state(employee, "social-media", "photo", today).status == "revoked"
    assert state(other_employee, "social-media", "photo", today).status == "granted"
