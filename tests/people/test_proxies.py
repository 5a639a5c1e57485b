"""TRUSTED_PROXIES: forwarded headers are believed only from the configured proxies, for the IP
recorded with evidence and for rate-limit keys; production refuses per-process rate limits with
several workers."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import UserSession
from tests.conftest import PASSWORD, csrf_token
from tests.production import production_config

PROXY = "10.0.0.5"  # the reverse proxy, as the app's TCP peer
CLIENT = "203.0.113.9"  # the real client, as the proxy writes it
SPOOFED = "192.0.2.77"  # what a client writes in X-Forwarded-For itself


def sign_in_from(client, email: str, peer: str, forwarded: str | None):
    client.environ_base["REMOTE_ADDR"] = peer
    if forwarded is not None:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def recorded_ip() -> str | None:
    db.session.expire_all()
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "auth.signed_in")
        .order_by(AuditEvent.seq.desc())
    ).first()
    return event.ip


class TestWithoutTrustedProxies:
    def test_forwarded_for_is_ignored_in_evidence_and_sessions(self, client, employee):
        assert sign_in_from(client, employee.email, PROXY, SPOOFED).status_code == 302
        assert recorded_ip() == PROXY
        assert db.session.scalars(select(UserSession.ip)).one() == PROXY

    def test_a_forged_forwarded_for_does_not_escape_the_rate_limit(self, client, app):
        app.config["LOGIN_RATE_LIMIT_PER_IP"] = "3 per minute"
        client.environ_base["REMOTE_ADDR"] = PROXY
        token = csrf_token(client)
        statuses = []
        for i in range(4):
            client.environ_base["HTTP_X_FORWARDED_FOR"] = f"192.0.2.{i + 1}"
            statuses.append(
                client.post(
                    "/login",
                    data={"email": f"u{i}@example.com", "password": "x", "csrf_token": token},
                ).status_code
            )
        assert statuses == [200, 200, 200, 429]


class TestWithAHopCount:
    @pytest.fixture
    def app_config(self):
        return {"TRUSTED_PROXIES": "1"}

    def test_the_proxys_forwarded_for_is_the_client(self, client, employee):
        # The client wrote its own value; the one proxy appended the address it saw.
        sign_in_from(client, employee.email, PROXY, f"{SPOOFED}, {CLIENT}")
        assert recorded_ip() == CLIENT
        assert db.session.scalars(select(UserSession.ip)).one() == CLIENT

    def test_clients_behind_the_proxy_get_a_limit_each(self, client, app):
        app.config["LOGIN_RATE_LIMIT_PER_IP"] = "2 per minute"
        client.environ_base["REMOTE_ADDR"] = PROXY
        token = csrf_token(client)

        def attempt(address: str) -> int:
            client.environ_base["HTTP_X_FORWARDED_FOR"] = address
            return client.post(
                "/login", data={"email": "x@example.com", "password": "x", "csrf_token": token}
            ).status_code

        assert [attempt(CLIENT) for _ in range(3)] == [200, 200, 429]
        assert attempt("198.51.100.20") == 200  # another person behind the same proxy
        # Writing another address in front does not help the first client: the proxy's hop wins.
        assert attempt(f"198.51.100.99, {CLIENT}") == 429


class TestWithNetworks:
    @pytest.fixture
    def app_config(self):
        return {"TRUSTED_PROXIES": "10.0.0.0/8, fd00::/8"}

    def test_addresses_added_by_trusted_proxies_are_followed_back_to_the_client(
        self, client, employee
    ):
        # client -> proxy 10.1.1.1 -> proxy 10.0.0.5 -> app; the client wrote SPOOFED itself.
        sign_in_from(client, employee.email, PROXY, f"{SPOOFED}, {CLIENT}, 10.1.1.1")
        assert recorded_ip() == CLIENT

    def test_a_peer_outside_the_networks_is_not_believed(self, client, employee):
        sign_in_from(client, employee.email, "198.51.100.7", CLIENT)
        assert recorded_ip() == "198.51.100.7"

    def test_garbage_in_the_header_stops_at_the_last_good_peer(self, client, employee):
        sign_in_from(client, employee.email, PROXY, "<script>, not-an-ip")
        assert recorded_ip() == PROXY


def test_an_unreadable_trusted_proxies_value_stops_the_start(tmp_path):
    with pytest.raises(RuntimeError, match="TRUSTED_PROXIES"):
        create_app(
            config={
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db",
                "TRUSTED_PROXIES": "the load balancer",
            },
            env="test",
        )


# ---- the rate-limit store and the number of workers -------------------------------------------


def _production(tmp_path, **config):
    return create_app(
        config=production_config(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db", **config),
        env="production",
    )


def test_production_refuses_in_memory_rate_limits_with_several_workers(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARTE_WORKERS", "3")
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI is memory://.*3 workers"):
        _production(tmp_path, RATELIMIT_STORAGE_URI="memory://")


def test_production_reads_web_concurrency_too(tmp_path, monkeypatch):
    monkeypatch.delenv("CHARTE_WORKERS", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(RuntimeError, match="4 workers"):
        _production(tmp_path, RATELIMIT_STORAGE_URI="memory://")


def test_production_starts_with_a_shared_store_or_one_worker(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARTE_WORKERS", "3")
    app = _production(tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15")
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    monkeypatch.setenv("CHARTE_WORKERS", "1")
    _production(tmp_path, RATELIMIT_STORAGE_URI="memory://")


def test_elsewhere_it_warns_at_start_and_on_the_admin_page(
    tmp_path, monkeypatch, caplog, client, auth, admin, app
):
    monkeypatch.setenv("CHARTE_WORKERS", "3")
    with caplog.at_level(logging.WARNING, logger="app.deployment"):
        create_app(
            config={
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db",
                "RATELIMIT_STORAGE_URI": "memory://",
            },
            env="development",
        )
    assert "RATELIMIT_STORAGE_URI is memory://" in caplog.text
    auth.login(admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Rate limits do not hold:" in page
    assert "3 workers" in page
    monkeypatch.setenv("CHARTE_WORKERS", "1")
    assert "Rate limits do not hold:" not in client.get("/admin/settings").get_data(as_text=True)


def test_gunicorn_conf_tells_the_app_its_worker_count(monkeypatch):
    """gunicorn.conf.py exports the worker count it configures, and each worker's hook the one
    gunicorn really uses (a `-w` on the command line wins)."""
    import os
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("CHARTE_WORKERS", "unset after the test")  # restored (removed) at the end
    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert os.environ["CHARTE_WORKERS"] == "3"
    conf["post_fork"](SimpleNamespace(cfg=SimpleNamespace(workers=5)), None)
    assert os.environ["CHARTE_WORKERS"] == "5"
    assert conf["workers"] == 3
