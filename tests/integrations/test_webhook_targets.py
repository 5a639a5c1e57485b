"""Webhook targets: only https to public addresses, at registration and again at delivery.

Network rule: nothing here resolves a real name (stub resolver, guarded getaddrinfo) or connects
anywhere but 127.0.0.1. Internal addresses are handed to the validator with the transport
replaced by one that fails the test if called (`no_connection`).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import re
import socket
import threading
from datetime import UTC, datetime

import pytest
import requests
from sqlalchemy import func, select

from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import delivery, outbound, refuse_test_settings_in_production, webhooks
from app.models.audit import AuditEvent
from app.models.webhook import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.conftest import post_form
from tests.network import PUBLIC_V4, PUBLIC_V6
from tests.production import production_config
from tests.webhook_receiver import Receiver, self_signed_certificate

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NO_ANSWER = "No answer (details in the server log)"

# Every internal form the validator must refuse, without a DNS lookup or a connection.
INTERNAL_TARGETS = [
    "https://127.0.0.1/hook",
    "https://127.0.0.1:22/",
    "https://127.0.0.1./hook",  # trailing dot
    "https://0x7f000001/hook",  # hex
    "https://0X7F.0.0.1/hook",
    "https://127.1/hook",  # shortened
    "https://0x7f.1/hook",
    "https://2130706433/hook",  # decimal
    "https://017700000001/hook",  # octal
    "https://0177.0.0.1/hook",
    "https://127.000.000.001/hook",
    "https://[::1]/hook",
    "https://[::]/hook",
    "https://0.0.0.0/hook",
    "https://0/hook",
    "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped
    "https://[::ffff:7f00:1]/hook",
    "https://[::127.0.0.1]/hook",  # IPv4-compatible
    "https://169.254.169.254/latest/meta-data/",  # cloud metadata
    "https://[::ffff:a9fe:a9fe]/latest/meta-data/",
    "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
    "https://[64:ff9b::7f00:1]/",
    "https://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "https://[2002:a9fe:a9fe::1]/",  # 6to4 of 169.254.169.254
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "https://10.0.0.1/hook",
    "https://172.16.5.4/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",  # carrier-grade NAT
    "https://198.18.0.1/hook",  # benchmarking
    "https://192.0.2.1/hook",  # documentation
    "https://224.0.0.1/hook",  # multicast
    "https://239.255.255.250/hook",
    "https://240.0.0.1/hook",  # reserved
    "https://255.255.255.255/hook",
    "https://[fd00::1]/hook",  # unique local
    "https://[fc00::1]/hook",
    "https://[fe80::1]/hook",  # link-local
    "https://[fe80::1%25eth0]/hook",  # with a zone
    "https://[fec0::1]/hook",  # site-local
    "https://[ff02::1]/hook",  # multicast
    "https://[100::1]/hook",  # discard-only
    "https://[2001:db8::1]/hook",  # documentation
    "https://\uff11\uff12\uff17\uff0e\uff10\uff0e\uff10\uff0e\uff11/hook",  # full-width 127.0.0.1
    "https://localhost/hook",
    "https://api.localhost/hook",
    "https://1.2.3.4.5/hook",  # not an address, not a name
    "https://999.1.1.1/hook",
]
NOT_HTTPS = [
    "http://hooks.example.com/hook",
    "ftp://hooks.example.com/hook",
    "hooks.example.com/hook",
    "https:///hook",
    "https://user:pw@hooks.example.com/hook",
    "https://hooks.example.com:0/hook",
    "https://hooks.example.com\\@127.0.0.1/hook",
    "https://hooks.example.com/ho ok",
    "https://" + "a" * 500 + ".example.com/",
]


@pytest.fixture
def receiver():
    server = Receiver().start()
    yield server
    server.stop()


def _register(admin, url, events=("consent.granted",)):
    return webhooks.register(url, list(events), actor=admin, client=ClientInfo.system())


def _queue_one_event() -> None:
    webhooks.emit("consent.granted", {"n": 1}, now=T0)
    db.session.commit()


def _rows() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _endpoint_count() -> int:
    return db.session.scalar(select(func.count()).select_from(WebhookEndpoint))


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_internal_addresses_are_refused_without_a_lookup_or_a_connection(
    app, admin, resolver, no_connection, url
):
    with pytest.raises(webhooks.WebhookError) as refused:
        _register(admin, url)
    assert str(refused.value) == webhooks.refused_message()
    assert resolver.lookups == [] and no_connection == []
    assert _endpoint_count() == 0


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_the_loopback_test_switch_admits_only_loopback(app, admin, no_connection, url):
    try:
        destination = outbound.check(url, allow_loopback=True)
    except outbound.RefusedDestination:
        return
    assert outbound.is_loopback(destination.address), url


@pytest.mark.parametrize("url", NOT_HTTPS)
def test_anything_but_a_plain_https_address_is_refused(admin, no_connection, url):
    with pytest.raises(webhooks.WebhookError, match="cannot receive webhooks"):
        _register(admin, url)
    assert _endpoint_count() == 0


@pytest.mark.parametrize(
    "answers",
    [
        ["10.1.2.3"],
        [PUBLIC_V4, "127.0.0.1"],  # one internal answer among public ones is enough
        [PUBLIC_V6, "fd00::5"],
        ["::ffff:169.254.169.254"],
        ["fe80::1%eth0"],
        ["0.0.0.0"],  # noqa: S104 - an answer to refuse, not a bind
        [],
    ],
    ids=["private", "mixed", "ula", "mapped-metadata", "scoped", "unspecified", "empty"],
)
def test_a_name_resolving_to_an_internal_address_is_refused(
    admin, resolver, no_connection, answers
):
    resolver.set("internal.test", answers)
    with pytest.raises(webhooks.WebhookError):
        _register(admin, "https://internal.test/hook")
    assert resolver.lookups == ["internal.test"] and _endpoint_count() == 0


def test_an_unresolvable_name_is_refused(admin, resolver, no_connection):
    with pytest.raises(webhooks.WebhookError):
        _register(admin, "https://nowhere.test/hook")
    assert resolver.lookups == ["nowhere.test"]


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/a",
        "https://HOOKS.Example.com./a?x=1",
        "https://hooks6.example.com:8443/x",
        f"https://{PUBLIC_V4}/hook",
        f"https://[{PUBLIC_V6}]/hook",
    ],
)
def test_public_https_addresses_are_accepted_without_connecting(admin, no_connection, url):
    endpoint, _secret = _register(admin, url)
    assert endpoint.url == url and no_connection == []


def test_a_public_destination_keeps_the_name_and_pins_the_address(resolver):
    destination = outbound.check("https://HOOKS6.example.com:8443/x?y=1")
    assert destination.host == "hooks6.example.com" and destination.port == 8443
    assert destination.address == ipaddress.ip_address(PUBLIC_V6)
    assert destination.pinned_url == f"https://[{PUBLIC_V6}]:8443/x?y=1"
    assert destination.host_header == "hooks6.example.com:8443"
    mapped = outbound.check("https://[::ffff:93.184.215.14]/")
    assert mapped.address == ipaddress.ip_address(PUBLIC_V4)  # connects over IPv4


def test_the_admin_page_gives_one_message_for_every_refused_address(
    client, auth, admin, resolver, no_connection, caplog
):
    resolver.set("internal.test", ["10.1.2.3"])
    auth.login(admin.email)
    messages = set()
    for url in [
        "http://hooks.example.com/hook",
        "https://127.1:8080/hook",
        "https://internal.test/hook",
        "https://nowhere.test/hook",
        "https://[::ffff:a9fe:a9fe]/",
    ]:
        with caplog.at_level(logging.WARNING, logger="app.integrations.webhooks"):
            response = post_form(
                client, "/admin/webhooks", {"url": url, "events": ["policy.signed"]},
                page="/admin/webhooks",
            )  # fmt: skip
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        messages.add(re.search(r'<p class="error" id="url-error">([^<]*)</p>', page).group(1))
        assert "10.1.2.3" not in page and "resolve" not in page
    assert messages == {webhooks.refused_message()}
    assert _endpoint_count() == 0 and no_connection == []
    assert "webhook.registered" not in db.session.scalars(select(AuditEvent.action)).all()
    logged = caplog.text
    assert "10.1.2.3" in logged and "nowhere.test does not resolve" in logged  # for the operator


def test_dns_rebinding_is_refused_at_delivery_without_a_connection(
    client, auth, admin, resolver, no_connection, caplog
):
    # Public when the admin registers it, loopback when the worker sends.
    resolver.set("rebind.test", [PUBLIC_V4], ["127.0.0.1"])
    _register(admin, "https://rebind.test/hook")
    _queue_one_event()
    with caplog.at_level(logging.WARNING, logger="app.integrations.delivery"):
        report = delivery.deliver_due(now=T0)
    assert report.retrying == 1 and report.delivered == 0
    assert no_connection == [] and resolver.lookups == ["rebind.test", "rebind.test"]
    row = _rows()[0]
    assert row.status == "pending" and row.last_status_code is None
    assert row.last_error == delivery.NOT_DELIVERED
    assert "127.0.0.1" in caplog.text  # the detail is in the server log...
    auth.login(admin.email)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert NO_ANSWER in page and "127.0.0.1" not in page  # ...not on the page


@pytest.mark.parametrize(
    "at_delivery",
    [["169.254.169.254"], [PUBLIC_V4, "10.0.0.7"], ["::ffff:127.0.0.1"], ["fd00::1"]],
    ids=["metadata", "mixed", "mapped-loopback", "ula"],
)
def test_every_delivery_resolves_again(admin, resolver, no_connection, at_delivery):
    resolver.set("rebind.test", [PUBLIC_V4], at_delivery)
    _register(admin, "https://rebind.test/hook")
    _queue_one_event()
    assert delivery.deliver_due(now=T0).retrying == 1
    assert no_connection == []


def test_an_internal_address_written_straight_into_the_database_is_not_sent_to(
    admin, no_connection
):
    # An endpoint from before this check, or written by someone with database access.
    db.session.add(
        WebhookEndpoint(
            url="https://169.254.169.254/latest/meta-data/",
            events="consent.granted",
            secret="whsec_x",
            created_by_id=admin.id,
        )
    )
    db.session.commit()
    _queue_one_event()
    assert delivery.deliver_due(now=T0).retrying == 1 and no_connection == []


# --- the connection goes to the checked address, with the name in TLS and Host ---------------


@pytest.fixture
def tls_receiver(tmp_path):
    cert, key = self_signed_certificate(tmp_path, "hooks.test")
    server = Receiver(tls=(cert, key)).start()
    server.ca_bundle = str(cert)
    yield server
    server.stop()


def _pinned(port: int, host: str = "hooks.test") -> outbound.Destination:
    return outbound.Destination(
        scheme="https",
        host=host,
        port=port,
        path="/hook",
        address=ipaddress.IPv4Address("127.0.0.1"),
    )


def test_the_pinned_connection_sends_the_name_in_sni_and_host(tls_receiver):
    status = outbound.send(
        _pinned(tls_receiver.port), b"{}", {"Content-Type": "application/json"},
        verify=tls_receiver.ca_bundle,
    )  # fmt: skip
    assert status == 200
    assert tls_receiver.server_names == ["hooks.test"]  # SNI: the name, not the address
    headers, _body = tls_receiver.received[0]
    assert headers["Host"] == f"hooks.test:{tls_receiver.port}"
    # The no_real_dns guard would have failed the test had anything resolved "hooks.test".


def test_the_certificate_is_checked_against_the_name_not_the_address(tls_receiver):
    with pytest.raises(requests.exceptions.SSLError):
        outbound.send(
            _pinned(tls_receiver.port, host="other.test"), b"{}", {},
            verify=tls_receiver.ca_bundle,
        )  # fmt: skip
    assert tls_receiver.received == []


def test_a_delivery_connects_to_the_address_checked_at_that_delivery(
    app, admin, resolver, tls_receiver, monkeypatch
):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True  # lets the test's receiver be on loopback
    resolver.set("hooks.test", ["127.0.0.1"])
    monkeypatch.setattr(
        outbound, "send", functools.partial(outbound.send, verify=tls_receiver.ca_bundle)
    )
    _register(admin, f"https://hooks.test:{tls_receiver.port}/hook")
    _queue_one_event()
    assert delivery.deliver_due(now=T0).delivered == 1
    assert tls_receiver.server_names == ["hooks.test"]
    headers, body = tls_receiver.received[0]
    assert headers["Host"] == f"hooks.test:{tls_receiver.port}"
    assert json.loads(body)["data"] == {"n": 1}


def test_the_next_checked_address_is_tried_when_the_first_cannot_be_reached(
    app, admin, resolver, receiver
):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True
    # Nothing listens on ::1 at the receiver's port (it listens on 127.0.0.1 only).
    resolver.set("two.test", ["::1", "127.0.0.1"])
    destination = outbound.check(f"http://two.test:{receiver.port}/hook", allow_loopback=True)
    assert destination.fallbacks == (ipaddress.IPv4Address("127.0.0.1"),)
    _register(admin, f"http://two.test:{receiver.port}/hook")
    _queue_one_event()
    assert delivery.deliver_due(now=T0).delivered == 1
    headers, _body = receiver.received[0]
    assert headers["Host"] == f"two.test:{receiver.port}" and len(receiver.received) == 1


# --- what a failure tells the admin ------------------------------------------------------------


def test_redirects_are_not_followed(app, admin, receiver):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True
    elsewhere = Receiver().start()
    try:
        receiver.answers = [(302, {"Location": elsewhere.url})]
        _register(admin, receiver.url)
        _queue_one_event()
        assert delivery.deliver_due(now=T0).retrying == 1
        assert len(receiver.received) == 1 and elsewhere.received == []
        assert _rows()[0].last_status_code == 302
    finally:
        elsewhere.stop()


class _OpenPort:
    """A loopback port that accepts connections and closes them at once (not HTTP)."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen()
        self.port = self.socket.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _address = self.socket.accept()
            except OSError:
                return
            connection.close()

    def close(self) -> None:
        self.socket.close()
        self.thread.join(5)


def _closed_port() -> int:
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there any more
    return port


def test_an_open_port_and_a_closed_one_look_the_same_to_the_admin(app, client, auth, admin, caplog):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True  # the only way to reach a loopback port
    open_port = _OpenPort()
    try:
        _register(admin, f"http://127.0.0.1:{open_port.port}/hook")
        _register(admin, f"http://127.0.0.1:{_closed_port()}/hook")
        _queue_one_event()
        with caplog.at_level(logging.WARNING, logger="app.integrations.delivery"):
            assert delivery.deliver_due(now=T0).retrying == 2
    finally:
        open_port.close()
    rows = _rows()
    assert {(r.last_error, r.last_status_code) for r in rows} == {(delivery.NOT_DELIVERED, None)}
    errors = db.session.scalars(select(WebhookAttempt.error)).all()
    assert errors == [delivery.NOT_DELIVERED] * 2
    auth.login(admin.email)
    page = client.get("/admin/webhooks").get_data(as_text=True)
    assert page.count(NO_ANSWER) == 2
    for leak in ("refused", "Connection", "Remote", "aborted", "Errno", "reset"):
        assert leak not in page
    assert caplog.text.count("failed: ConnectionError") == 2  # the operator still gets details


def test_proxies_from_the_environment_are_ignored(app, admin, receiver, monkeypatch):
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True
    proxy = Receiver().start()
    try:
        for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        _register(admin, receiver.url)
        _queue_one_event()
        assert delivery.deliver_due(now=T0).delivered == 1
        assert len(receiver.received) == 1 and proxy.received == []
    finally:
        proxy.stop()


# --- the test switch stays out of production ----------------------------------------------------


def test_production_refuses_the_loopback_switch(tmp_path):
    from app import create_app

    refuse_test_settings_in_production({"CHARTE_ENV": "test", "WEBHOOKS_ALLOW_HTTP_LOOPBACK": True})
    refuse_test_settings_in_production({"CHARTE_ENV": "production"})
    with pytest.raises(RuntimeError, match="WEBHOOKS_ALLOW_HTTP_LOOPBACK"):
        refuse_test_settings_in_production(
            {"CHARTE_ENV": "production", "WEBHOOKS_ALLOW_HTTP_LOOPBACK": True}
        )
    config = production_config(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db", WEBHOOKS_ALLOW_HTTP_LOOPBACK=True
    )
    with pytest.raises(RuntimeError, match="WEBHOOKS_ALLOW_HTTP_LOOPBACK"):
        create_app(config=config, env="production")
