"""SQLite connection settings that make concurrent writers queue instead of failing.

SQLite allows one writer. A transaction that reads first and writes later can deadlock with
another such transaction ("database is locked"), or append to the audit chain from a stale head.
So requests that change state (POST and friends) open their transaction with BEGIN IMMEDIATE,
taking the write lock up front and waiting for it (busy timeout); reads stay concurrent in WAL mode.
PostgreSQL needs none of this.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError

from app.extensions import db, limiter

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


# Learner pages that only read (GET): on PostgreSQL they run without a transaction (autocommit:
# no BEGIN and ROLLBACK round trips), each statement seeing the latest committed data. Listed
# here rather than marked on the views, and only pages checked to write nothing but the
# single-statement session touch: an audit-chain append refuses to run without a transaction
# (app/core/audit.py), so a page added here by mistake fails loudly instead of forking the chain.
READ_ONLY_ENDPOINTS = frozenset(
    {"main.home", "learn.step", "learn.attempt", "sign.index", "consent.my_image"}
)
# The read-only pages that skip a statement when the sign-in check says it would find nothing
# (known_none below): the check answers those questions for these pages only, since on any other
# page the answers would be read and never used (tests/learn/test_statement_counts.py).
PAGES_THAT_SKIP_EMPTY_READS = frozenset({"main.home", "consent.my_image"})
# A pooled connection used this recently is not pinged before a request uses it (a ping is a
# round trip). A database restart within that second costs the request one 503: its first
# statement, the sign-in check, fails before anything is written, and nothing half-written can
# commit; the pool then reconnects. Connections idle longer are pinged and replaced unseen.
PING_IDLE_SECONDS = 1.0


def read_only_request() -> bool:
    """True for a GET of a page in READ_ONLY_ENDPOINTS."""
    return (
        has_request_context()
        and request.method in _READ_METHODS
        and request.endpoint in READ_ONLY_ENDPOINTS
    )


# None of these pages has a rate limit, and Flask-Limiter still works out, on every request, that
# there is none to apply (about 4 % of a step page): it is told to skip them. A limit added to one
# of them later would be skipped too, so a test fails when one is (tests/web/test_request_speedups.py).
limiter.request_filter(read_only_request)


def known_none(key: str, user_id: int) -> bool:
    """True when the sign-in check of this read-only request found that the person has nothing
    of what `key` names (app.people.sessions keeps such answers as (user id, answer) in the
    WSGI environ): a page may then skip the statement that would find nothing. A request that
    writes never skips: its own changes would not be in the answer."""
    if not read_only_request():
        return False
    return request.environ.get(key) == (user_id, False)


def _checkin(dbapi_connection, connection_record) -> None:
    connection_record.info["charte_used_at"] = time.monotonic()


def _checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    used_at = connection_record.info.get("charte_used_at")
    if used_at is not None and time.monotonic() - used_at < PING_IDLE_SECONDS:
        return
    # As SQLAlchemy's pre-ping does: outside a transaction (psycopg would open one, and the
    # connection must come out of the pool idle).
    autocommit = getattr(dbapi_connection, "autocommit", None)
    try:
        if autocommit is False:
            dbapi_connection.autocommit = True
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        if autocommit is False:
            dbapi_connection.autocommit = False
    except Exception as exc:  # noqa: BLE001 - any failure: the pool replaces the connection
        raise DisconnectionError() from exc


def _no_transaction_for_reads() -> None:
    if (
        read_only_request()
        and db.engine.dialect.name == "postgresql"
        and not db.session().in_transaction()  # (tests: a session shared with the test code)
    ):
        db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        g.charte_no_transaction = True


def _end_read(exc: BaseException | None) -> None:
    # Give the connection back at once, in its usual mode (it would be anyway when the app
    # context ends; where one app context spans requests, as in tests, it must be now).
    # A rollback, not close(): it returns the connection just as well, and leaves objects the
    # caller still holds attached (expired, reloaded on use) instead of detaching them.
    if g.pop("charte_no_transaction", False):
        db.session.rollback()


def init_app(app: Flask) -> None:
    """Connection checks (a ping, skipped on a connection used within the last second)
    and read-only pages without a transaction on PostgreSQL. Runs before the domains' own
    before-request hooks (the session check is the first query)."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    if options.pop("pool_pre_ping", False):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
        app.extensions["charte.ping"] = True
    app.before_request(_no_transaction_for_reads)
    app.teardown_request(_end_read)


def install_pings(app: Flask) -> None:
    """Listen to the engine's pool (after the engine exists)."""
    if not app.extensions.get("charte.ping"):
        return
    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", _checkout)
    event.listen(engine, "checkin", _checkin)
