"""SQLite connection settings that make concurrent writers queue instead of failing.

SQLite allows one writer. A transaction that reads first and writes later can deadlock with
another such transaction ("database is locked"), or append to the audit chain from a stale head.
So requests that change state (POST and friends) open their transaction with BEGIN IMMEDIATE,
taking the write lock up front and waiting for it (busy timeout); reads stay concurrent in WAL mode.
PostgreSQL needs none of this.
"""

from __future__ import annotations

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.split(".")[0] != "sqlite3":
        return
    # Let SQLAlchemy's "begin" event below decide how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def writes_on_get(view):
    """Mark a GET view that writes (e.g. an audited export) so SQLite takes the write lock early."""
    view.charte_writes_on_get = True
    return view


def _request_writes() -> bool:
    # Outside a request (command line, cron, background work) the caller is almost always a
    # writer: take the lock up front so that concurrent runs queue instead of failing.
    if not has_request_context():
        return True
    if request.method not in _READ_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "charte_writes_on_get", False))


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _request_writes() else "BEGIN")
