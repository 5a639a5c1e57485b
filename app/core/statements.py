"""Core statements in the session's transaction, without the ORM's execute layer or its unit
of work: `execute` runs one, `insert_new` inserts a new row unless an equal one exists.

Session.execute takes every statement through the ORM's execution layer (its compile state
and its result wrapping), also one that only selects columns; for a select of mapped columns
that layer was 35 to 45 µs of the 100 to 150 µs of CPU a statement costs, measured in process
on PostgreSQL. Connection.execute skips it, in the same transaction. Used on the statements
every learner page or evidence write runs; elsewhere Session.execute is the simpler choice.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import CursorResult, Executable, Table, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
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


@functools.cache
def _insert_new_statement(table: Table, postgresql: bool) -> Any:
    # Built once per table: building it again at each call cost more than its execution.
    insert = postgresql_insert if postgresql else sqlite_insert
    return insert(table).on_conflict_do_nothing().returning(table.c.id)


def insert_new(row: Any) -> bool:
    """INSERT the new `row` unless it would break a unique constraint (ON CONFLICT DO NOTHING,
    PostgreSQL and SQLite); True when inserted, and the row has its id (RETURNING). The row is
    not added to the session: nothing is left for a flush to write, and a rollback leaves no
    object behind claiming the id (read it back with a query to load its relationships).

    One statement where "does it exist?", a savepoint, the ORM's insert and the savepoint's
    release were four, and a simultaneous request that wrote the same row first is simply
    found there (it is not an error). A row's other integrity errors still raise.
    """
    state = inspect(row)
    mapper = state.mapper
    values = {
        prop.columns[0].key: state.dict[prop.key]
        for prop in mapper.column_attrs
        if prop.key in state.dict
    }
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    new_id = execute(_insert_new_statement(mapper.local_table, postgresql), values).scalar()
    if new_id is None:
        return False
    row.id = new_id
    return True
