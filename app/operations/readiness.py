"""`/readyz`: can this process serve? Database, migrations at head, Redis when configured, and
the checks other areas add through hooks.readiness_checks (e.g. the scheduler's heartbeat).

Each check answers {"ok": bool, ...} with no error text from the driver (the endpoint is public:
host names and user names stay out of it); the failure's type is logged.
"""

from __future__ import annotations

import logging
from typing import Any

import redis
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from sqlalchemy import text

from app.core import hooks
from app.extensions import db

log = logging.getLogger(__name__)
_HEADS_KEY = "charte.migration_heads"
REDIS_TIMEOUT_SECONDS = 1.0


def migration_heads(app: Flask) -> list[str]:
    """The head revision(s) of the migration scripts shipped with this code (read once)."""
    heads = app.extensions.get(_HEADS_KEY)
    if heads is None:
        directory = app.extensions["migrate"].directory
        heads = sorted(ScriptDirectory(directory).get_heads())
        app.extensions[_HEADS_KEY] = heads
    return heads


def check_database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        db.session.rollback()
        log.warning("readyz: database unreachable (%s)", type(exc).__name__)
        return {"ok": False, "error": "unreachable"}
    return {"ok": True}


def check_migrations(app: Flask) -> dict[str, Any]:
    head = migration_heads(app)
    try:
        current = sorted(
            db.session.execute(text("SELECT version_num FROM alembic_version")).scalars()
        )
    except Exception as exc:  # noqa: BLE001 - no alembic_version table: never migrated
        db.session.rollback()
        log.warning("readyz: cannot read alembic_version (%s)", type(exc).__name__)
        return {"ok": False, "head": head, "current": None, "error": "not migrated"}
    result: dict[str, Any] = {"ok": current == head, "head": head, "current": current}
    if current != head:
        result["error"] = "run `flask db upgrade`"
    return result


def check_redis(uri: str) -> dict[str, Any]:
    try:
        client = redis.Redis.from_url(
            uri,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError) as exc:
        log.warning("readyz: redis unreachable (%s)", type(exc).__name__)
        return {"ok": False, "error": "unreachable"}
    return {"ok": True}


def readiness() -> tuple[bool, dict[str, Any]]:
    """Every check's result, and whether they all passed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checks: dict[str, Any] = {"database": check_database()}
    if checks["database"]["ok"]:
        checks["migrations"] = check_migrations(app)
    else:
        checks["migrations"] = {"ok": False, "error": "database unreachable"}
    uri = (app.config.get("RATELIMIT_STORAGE_URI") or "").strip()
    if uri.startswith(("redis://", "rediss://", "unix://")):
        checks["redis"] = check_redis(uri)
    for name, result in hooks.readiness_checks.collect():
        checks[name] = result
    ready = all(check["ok"] for check in checks.values())
    return ready, checks
