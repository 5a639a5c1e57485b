"""Run a Core statement (one that loads no ORM object) on the session's connection.

Session.execute takes every statement through the ORM's execution layer (its compile state
and its result wrapping), also one that only selects columns; for a select of mapped columns
that layer was 35 to 45 µs of the 100 to 150 µs of CPU a statement costs, measured in process
on PostgreSQL. Connection.execute skips it, in the same transaction. Used on the statements
every learner page or evidence write runs; elsewhere Session.execute is the simpler choice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Executable
from sqlalchemy.sql.dml import UpdateBase

from app.core import process_cache
from app.extensions import db


def execute(statement: Executable, params: Any = None) -> CursorResult[Any]:
    """The statement's result, run in the session's transaction. Pending objects are flushed
    first, as Session.execute's autoflush would (not inside `session.no_autoflush`), and the
    table an INSERT, UPDATE or DELETE writes is noted for process_cache, as Session.execute's
    event would: a value cached from it is dropped when the transaction commits."""
    session = db.session()
    if session.autoflush:
        session.flush()
    if isinstance(statement, UpdateBase):
        name = getattr(getattr(statement, "table", None), "name", None)
        if name:
            process_cache.note_changed(session, [name])
    return session.connection().execute(statement, params)
