"""Insert one new ORM row in a single statement, unless an equal one (by a unique key) exists."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import Table, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.core import statements
from app.extensions import db


@functools.cache
def _statement(table: Table, postgresql: bool) -> Any:
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
    new_id = statements.execute(_statement(mapper.local_table, postgresql), values).scalar()
    if new_id is None:
        return False
    row.id = new_id
    return True
