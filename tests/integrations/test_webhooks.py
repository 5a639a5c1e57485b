"""Webhooks: registered by the admin, written to the outbox with their cause, delivered signed to a
real receiver on loopback, retried with backoff, never lost, and sent once by concurrent workers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import delivery, webhooks
from app.models.audit import AuditEvent
from app.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import post_form
from tests.consent_helpers import decide
from tests.webhook_receiver import Receiver

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def app_config():
    return {"WEBHOOKS_ALLOW_HTTP_LOOPBACK": True}


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def _register(admin, url, events=("consent.granted", "consent.revoked")):
    return webhooks.register(url, list(events), actor=admin, client=ClientInfo.system())


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_admin_registers_an_endpoint_and_sees_the_secret_once(client, auth, admin):
    auth.login(admin.email)
    refused = post_form(
        client, "/admin/webhooks", {"url": "http://example.com/hook", "events": ["policy.signed"]},
        page="/admin/webhooks",
    )  # fmt: skip
    assert "This address cannot receive webhooks" in refused.get_data(as_text=True)
    response = post_form(
        client, "/admin/webhooks", {"url": "https://hooks.example.com/charte", "events": ["policy.signed"]},
        page="/admin/webhooks",
    )  # fmt: skip
    secret = re.search(r'value="(whsec_[^"]+)"', response.get_data(as_text=True)).group(1)
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.secret == secret and endpoint.event_list == ["policy.signed"]
    assert secret not in client.get("/admin/webhooks").get_data(as_text=True)
    assert "webhook.registered" in db.session.scalars(select(AuditEvent.action)).all()


def test_http_is_refused_unless_loopback_is_allowed(app, admin):
    with pytest.raises(webhooks.WebhookError):
        _register(admin, "http://10.0.0.1/hook")
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = False
    with pytest.raises(webhooks.WebhookError):
        _register(admin, "http://127.0.0.1:9/hook")


def test_consent_decisions_write_the_outbox_in_their_transaction(admin, employee, purposes):
    _register(admin, "https://hooks.example.com/a")
    _register(admin, "https://hooks.example.com/b", events=("policy.signed",))
    decide(employee, "social-media", "photo", "granted")
    decide(employee, "social-media", "photo", "refused")  # not subscribable: nothing
    rows = _deliveries()
    assert [r.event_type for r in rows] == ["consent.granted"]  # only the subscribed endpoint
    payload = json.loads(rows[0].body)
    assert payload["data"]["employee"]["email"] == employee.email
    assert payload["data"]["purpose"] == "social-media" and payload["created_at"].endswith("Z")


def test_a_failed_decision_leaves_no_event(admin, employee, purposes, monkeypatch):
    from app.core import audit

    _register(admin, "https://hooks.example.com/a")

    def broken(*args, **kwargs):
        raise RuntimeError("audit down")

    monkeypatch.setattr(audit, "record_many", broken)
    with pytest.raises(RuntimeError):
        decide(employee, "social-media", "photo", "granted")
    db.session.rollback()
    assert _deliveries() == []


def test_delivery_is_signed_and_verified_by_a_real_receiver(admin, employee, purposes, receiver):
    _endpoint, secret = _register(admin, receiver.url)
    decide(employee, "social-media", "video", "granted", when=T0)
    report = delivery.deliver_due(now=T0)
    assert report.delivered == 1
    headers, body = receiver.received[0]
    timestamp, mac = re.fullmatch(
        r"t=(\d+),v1=([0-9a-f]{64})", headers["Charte-Signature"]
    ).groups()
    expected = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    assert hmac.compare_digest(mac, expected) and int(timestamp) == int(T0.timestamp())
    assert (
        headers["Charte-Event"] == "consent.granted"
        and json.loads(body)["type"] == "consent.granted"
    )
    assert _deliveries()[0].status == "delivered"
    assert delivery.deliver_due(now=T0 + timedelta(hours=1)).delivered == 0  # sent once


def test_retry_with_backoff_when_the_receiver_fails_then_recovers(
    admin, employee, purposes, receiver
):
    receiver.answers = [500]
    _register(admin, receiver.url)
    decide(employee, "social-media", "photo", "granted", when=T0)
    first = delivery.deliver_due(now=T0)
    assert first.retrying == 1
    row = _deliveries()[0]
    assert row.status == "pending" and row.last_status_code == 500
    assert row.next_attempt_at == T0 + delivery.backoff(1)
    assert delivery.deliver_due(now=T0 + timedelta(seconds=10)).delivered == 0  # not yet due
    second = delivery.deliver_due(now=row.next_attempt_at)
    assert second.delivered == 1 and len(receiver.received) == 2
    attempts = db.session.scalars(
        select(WebhookAttempt.status_code).order_by(WebhookAttempt.id)
    ).all()
    assert attempts == [500, 200]
    assert delivery.backoff(3) == 4 * delivery.backoff(1)


def test_the_outbox_keeps_events_while_the_receiver_is_down(
    client, auth, admin, employee, purposes
):
    _register(admin, "http://127.0.0.1:9/unreachable")  # nothing listens on the discard port
    decide(employee, "social-media", "photo", "granted", when=T0)
    now = T0
    for _attempt in range(delivery.MAX_ATTEMPTS - 1):
        assert delivery.deliver_due(now=now).retrying == 1
        now = _deliveries()[0].next_attempt_at
        assert _deliveries()[0].status == "pending" and _deliveries()[0].last_error
    assert delivery.deliver_due(now=now).failed == 1
    row = _deliveries()[0]
    assert row.status == "failed" and row.attempts == delivery.MAX_ATTEMPTS
    auth.login(admin.email)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert "Failed" in page and "127.0.0.1:9/unreachable" in page


def test_two_concurrent_workers_deliver_each_event_once(app, admin, employee, purposes, receiver):
    _register(admin, receiver.url)
    for i in range(30):
        webhooks.emit("consent.granted", {"n": i}, now=T0)
    db.session.commit()
    errors = []

    def work(name):
        try:
            with app.app_context():
                while delivery.deliver_due(now=T0, worker=name, limit=3).delivered:
                    pass
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    ids = [json.loads(body)["data"]["n"] for _headers, body in receiver.received]
    assert sorted(ids) == list(range(30))
    assert db.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 30


def test_policy_signature_and_programme_completion_emit(
    client, auth, admin, employee, no_signing_prerequisites
):
    from tests.learning_helpers import complete_programme
    from tests.policy_helpers import publish, sign_form

    _register(admin, "https://hooks.example.com/a", events=("policy.signed", "programme.completed"))
    publish(1)
    auth.login(employee.email)
    sign_form(client, name=employee.full_name)
    complete_programme(client)
    types = [r.event_type for r in _deliveries()]
    assert types == ["policy.signed", "programme.completed"]


def test_disabled_endpoints_get_nothing_new(admin, employee, purposes):
    endpoint, _secret = _register(admin, "https://hooks.example.com/a")
    webhooks.disable(endpoint.id, actor=admin, client=ClientInfo.system())
    decide(employee, "social-media", "photo", "granted")
    assert _deliveries() == []


def test_cli_deliver_once(app, admin, receiver):
    _register(admin, receiver.url)
    webhooks.emit("consent.revoked", {"n": 1}, now=T0)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert "delivered 1" in result.output and len(receiver.received) == 1
