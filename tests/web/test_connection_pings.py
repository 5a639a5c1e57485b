"""Pooled database connections: pinged before use only after a second idle (app/database.py).

A ping is a round trip every request would pay. A connection used within the last second is
trusted instead: should the server have restarted in that second, the request gets one 503
before it writes anything, and the pool reconnects for the next one. On SQLite there is no
server to restart; the requests must still work with and without the ping.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from app import database
from app.extensions import db
from app.models.learning import ModuleProgress
from tests.conftest import BACKEND, _admin_url, csrf_token

STEP = "/learn/why-a-policy/1"


def _end_the_servers_connections(database_url: str) -> None:
    """What a PostgreSQL restart does to the pool: every connection to the database ends."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        ended = conn.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s",
            (name,),
        ).fetchone()
    assert ended is not None and ended[0] >= 1


def _steps_seen() -> list[int] | None:
    db.session.rollback()
    row = db.session.scalar(select(ModuleProgress))
    return row.steps_seen if row else None


def _signed_in_token(client, auth, employee) -> str:
    auth.login(employee.email)
    token = csrf_token(client, STEP)  # the page's GET uses a pooled connection and gives it back
    db.session.remove()  # the test shares the requests' session: give its connection back too
    return token


def test_a_write_on_a_just_used_connection_the_server_ended_is_one_503_and_writes_nothing(
    app, client, auth, employee, database_url, monkeypatch
):
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 3600.0)  # every pooled connection is recent
    token = _signed_in_token(client, auth, employee)
    if BACKEND == "postgresql":
        _end_the_servers_connections(database_url)
        lost = client.post(STEP, data={"csrf_token": token, "action": "next"})
        assert lost.status_code == 503
        assert "temporarily unavailable" in lost.get_data(as_text=True)
        assert _steps_seen() is None
        db.session.remove()
    again = client.post(STEP, data={"csrf_token": token, "action": "next"})
    assert again.status_code == 302 and again.location.endswith("/learn/why-a-policy/2")
    assert _steps_seen() == [0]


def test_a_connection_idle_past_the_limit_is_pinged_and_replaced_without_an_error(
    app, client, auth, employee, database_url, monkeypatch
):
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", 0.0)  # every pooled connection is pinged
    token = _signed_in_token(client, auth, employee)
    if BACKEND == "postgresql":
        _end_the_servers_connections(database_url)
    response = client.post(STEP, data={"csrf_token": token, "action": "next"})
    assert response.status_code == 302 and response.location.endswith("/learn/why-a-policy/2")
    assert _steps_seen() == [0]


@pytest.mark.parametrize("idle_limit", [0.0, 3600.0])
def test_a_read_only_page_works_with_and_without_the_ping(
    app, client, auth, employee, monkeypatch, idle_limit
):
    monkeypatch.setattr(database, "PING_IDLE_SECONDS", idle_limit)
    auth.login(employee.email)
    for _ in range(2):
        assert client.get(STEP).status_code == 200
