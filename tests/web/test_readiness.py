"""/readyz: database reachable, migrations at head, Redis when configured; 503 with the detail."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from pathlib import Path

import psycopg
import pytest
import redis
from sqlalchemy import text

from app.extensions import db
from tests.conftest import BACKEND, _admin_url, _app_for


def test_readyz_ok_on_a_migrated_database(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    checks = response.json["checks"]
    assert response.json["status"] == "ready"
    assert checks["database"] == {"ok": True}
    assert (
        checks["migrations"]["ok"]
        and checks["migrations"]["current"] == checks["migrations"]["head"]
    )
    assert Path("migrations/HEAD").read_text().strip() in checks["migrations"]["head"]
    assert "redis" not in checks  # memory:// rate limits: nothing to reach
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_503_when_migrations_are_behind(app, client):
    current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        migrations = response.json["checks"]["migrations"]
        assert migrations["ok"] is False and migrations["current"] == ["0012"]
        assert "flask db upgrade" in migrations["error"]
        assert response.json["checks"]["database"] == {"ok": True}
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})
        db.session.commit()
    assert client.get("/readyz").status_code == 200


def _rename_database(old: str, new: str) -> None:
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (old,)
        )
        conn.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')


def test_readyz_fails_while_the_database_is_gone_and_recovers(app, client, database_url):
    assert client.get("/readyz").status_code == 200
    if BACKEND == "postgresql":
        # The server's connections to this database end and new ones cannot find it (as when
        # PostgreSQL is stopped), then it comes back under its own name.
        name = database_url.rsplit("/", 1)[1]
        hidden = f"{name}_gone_{uuid.uuid4().hex[:6]}"
        _rename_database(name, hidden)
        try:
            down = client.get("/readyz")
        finally:
            _rename_database(hidden, name)
    else:
        # SQLite has no server to stop: the folder holding the file vanishes, and the pool's
        # connections go (as a restarted server drops them; an open file would stay readable).
        path = Path(database_url.removeprefix("sqlite:///"))
        moved = path.parent.with_name(path.parent.name + "-gone")
        db.session.remove()  # the test's app context is the requests' too: give back its connection
        db.engine.dispose()
        os.rename(path.parent, moved)
        try:
            down = client.get("/readyz")
        finally:
            db.session.remove()
            db.engine.dispose()
            os.rename(moved, path.parent)
    assert down.status_code == 503
    assert down.json["status"] == "unavailable"
    assert down.json["checks"]["database"] == {"ok": False, "error": "unreachable"}
    assert down.json["checks"]["migrations"]["ok"] is False
    assert "127.0.0.1" not in down.get_data(as_text=True)  # no driver message leaks out
    assert client.get("/healthz").status_code == 200
    recovered = client.get("/readyz")
    assert recovered.status_code == 200, recovered.json


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_readyz_503_when_redis_does_not_answer(database_url, tmp_path):
    app = _app_for(database_url, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0")
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        response = app.test_client().get("/readyz")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["checks"]["redis"] == {"ok": False, "error": "unreachable"}
    assert response.json["checks"]["database"] == {"ok": True}


def test_readyz_ok_when_redis_answers(database_url, tmp_path):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        if not shutil.which("redis-server"):
            pytest.skip("no Redis on 127.0.0.1:6379")
        pytest.skip("no Redis running on 127.0.0.1:6379 (the failing case is tested above)")
    app = _app_for(database_url, RATELIMIT_STORAGE_URI=url)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        response = app.test_client().get("/readyz")
        db.engine.dispose()
    assert response.status_code == 200, response.json
    assert response.json["checks"]["redis"] == {"ok": True}


def test_readyz_includes_the_checks_other_areas_add(app, client):
    """E.g. the scheduler's heartbeat: a stale one makes the instance not ready."""
    from app.core import hooks

    def stale_scheduler():
        return ("scheduler", {"ok": False, "age_seconds": 900, "error": "no heartbeat"})

    with hooks.readiness_checks.override(app, [stale_scheduler]):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["scheduler"]["error"] == "no heartbeat"
    assert response.json["checks"]["database"] == {"ok": True}
    with hooks.readiness_checks.override(app, [lambda: ("scheduler", {"ok": True}), lambda: None]):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"]["scheduler"] == {"ok": True}
