"""SQLite connection settings that make concurrent writers queue instead of failing.

SQLite allows one writer. A transaction that reads first and writes later can deadlock with
another such transaction ("database is locked"), or append to the audit chain from a stale head.
So requests that change state (POST and friends) open their transaction with BEGIN IMMEDIATE,
taking the write lock up front and waiting for it (busy timeout); reads stay concurrent in WAL mode.
PostgreSQL needs none of this.
"""

from __future__ import annotations

from flask import has_request_context, request
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


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn) -> None:
    if conn.dialect.name != "sqlite":
        return
    writing = has_request_context() and request.method not in _READ_METHODS
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")
