"""Small global tables kept per process for a few seconds, dropped at once when they change.

Every page needs a few tables that are the same for everyone and change rarely (settings, module
placements, the current policy version, HR assignments…). Reading them on every request was most
of a learner page's round trips. A value cached here is:

- computed by `loader()` from the tables it names, and kept in this process (per app);
- dropped as soon as this process commits a change to one of those tables (ORM objects flushed,
  or insert/update/delete statements run through the session), so an admin sees their own change
  on the next page;
- and re-read after `CHARTE_CACHE_SECONDS` (default 2) whatever happens, so a change committed by
  another worker or process shows within seconds. The version stamp is the table set and the
  time the value was read: nothing older than the expiry is ever served.

Loaders must return plain data (numbers, strings, dates, tuples, frozen dataclasses), never ORM
objects: a cached value outlives the session it was read in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

T = TypeVar("T")
EXTENSION_KEY = "charte.process_cache"
DEFAULT_SECONDS = 2.0
_PENDING = "charte_changed_tables"


class _Store:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.values: dict[str, tuple[float, frozenset[str], Any]] = {}

    def drop_tables(self, tables: Iterable[str]) -> None:
        changed = set(tables)
        if not changed:
            return
        with self.lock:
            for name in [n for n, (_, deps, _) in self.values.items() if deps & changed]:
                del self.values[name]

    def clear(self) -> None:
        with self.lock:
            self.values.clear()


def _store(app: Flask) -> _Store:
    store = app.extensions.get(EXTENSION_KEY)
    if store is None:
        store = app.extensions.setdefault(EXTENSION_KEY, _Store())
    return store


def cached(name: str, tables: Iterable[str], loader: Callable[[], T]) -> T:
    """The value `loader()` returns, from this process's cache when fresh (see the module doc)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    seconds = float(app.config.get("CHARTE_CACHE_SECONDS", DEFAULT_SECONDS))
    store = _store(app)
    now = time.monotonic()
    deps = frozenset(tables)
    # This request changed one of the tables (not committed yet): it must read its own change.
    mine = deps & _pending(app)
    found = store.values.get(name)
    if found is not None and found[0] > now and not mine:
        return found[2]  # type: ignore[no-any-return]
    value = loader()
    if seconds > 0 and not mine:
        with store.lock:
            store.values[name] = (now + seconds, deps, value)
    return value


IMMUTABLE_KEY = "charte.process_cache.immutable"
IMMUTABLE_MAX = 512


def immutable(key: str, loader: Callable[[], T | None]) -> T | None:
    """A row that never changes once written (a quiz snapshot, keyed by its content hash), kept
    in this process with no expiry (at most IMMUTABLE_MAX of them); None is not kept."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    kept: dict[str, Any] = app.extensions.setdefault(IMMUTABLE_KEY, {})
    if key in kept:
        return kept[key]  # type: ignore[no-any-return]
    value = loader()
    if value is not None:
        if len(kept) >= IMMUTABLE_MAX:
            kept.clear()
        kept[key] = value
    return value


def _pending(app: Flask) -> set[str]:
    db = app.extensions.get("sqlalchemy")
    if db is None:
        return set()
    session = db.session
    if not session.registry.has():
        return set()
    current = session()
    pending: set[str] = set(current.info.get(_PENDING, ()))
    for obj in (*current.new, *current.dirty, *current.deleted):  # not flushed yet
        table = getattr(obj, "__tablename__", None)
        if table:
            pending.add(table)
    return pending


def forget(*tables: str) -> None:
    """Drop every cached value read from these tables (for changes made outside the session)."""
    _store(current_app._get_current_object()).drop_tables(tables)  # type: ignore[attr-defined]


def clear() -> None:
    """Drop everything this process cached."""
    _store(current_app._get_current_object()).clear()  # type: ignore[attr-defined]


def note_changed(session: Session, tables: Iterable[str]) -> None:
    """Tables this session's transaction changed: their cached values are dropped at its commit
    (done here for the ORM's flushes and the statements run through Session.execute; call it for
    a write that bypasses both, as app.core.statements does)."""
    session.info.setdefault(_PENDING, set()).update(tables)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    tables = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if table:
            tables.add(table)
    if tables:
        note_changed(session, tables)


@event.listens_for(Session, "do_orm_execute")
def _on_execute(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name:
            note_changed(state.session, [name])


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    tables = session.info.pop(_PENDING, None)
    if tables:
        try:
            app = current_app._get_current_object()  # type: ignore[attr-defined]
        except RuntimeError:  # outside an app context: nothing was cached
            return
        _store(app).drop_tables(tables)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
