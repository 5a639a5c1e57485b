"""Fast row writes for the large demo generator: ids taken up front, rows encoded ahead, streamed in.

`insert(...).returning(...)` over tens of thousands of rows spends most of its time building
and splitting huge multi-VALUES statements and splicing their results. Ids are taken first from
the table's sequence, so that worker processes can build every row (and the audit entries naming
them) without the database; they encode the rows as PostgreSQL COPY text, which the generator
streams in as it is (SQLite gets plain executemany). The text is what the column types would send:
UTC timestamps, JSON, booleans, dates.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, Integer, Table, func, insert, select, text

from app.core import audit
from app.extensions import db
from app.models.types import UTCDateTime

log = logging.getLogger(__name__)

# COPY text format: a backslash starts an escape; tab, newline and carriage return end fields
# and rows. Nothing else needs escaping in UTF-8 text, and most values need none (checked first:
# translating every string costs more than the rest of the encoding).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]").search


def copy_text(value: str) -> str:
    return value.translate(_COPY_ESCAPES) if _NEEDS_ESCAPE(value) else value


def copy_timestamp(value: datetime) -> str:
    return (value if value.tzinfo is UTC else value.astimezone(UTC)).isoformat()


NULL = "\\N"


class IdAllocator:
    """New primary keys, taken before the rows exist, in increasing order per table."""

    def __init__(self) -> None:
        self._postgres = db.session.get_bind().dialect.name == "postgresql"
        self._next: dict[str, int] = {}

    def take(self, table: Table, count: int) -> list[int]:
        """`count` new ids for `table`."""
        if count == 0:
            return []
        if self._postgres:
            sequence = text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            )
            return list(db.session.scalars(sequence, {"table": f'"{table.name}"', "n": count}))
        # SQLite: the generator is the only writer (the CLI holds the database), and it takes ids
        # for batches not written yet, so it counts on from max(id) itself.
        if table.name not in self._next:
            highest = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
            self._next[table.name] = int(highest or 0) + 1
        first = self._next[table.name]
        self._next[table.name] = first + count
        return list(range(first, first + count))


# json.dumps(value) builds a C encoder at every call: one, with its settings, serves every row.
_json_dumps = audit.compiled_encoder(json.JSONEncoder())


def json_text(value: Any) -> str:
    """json.dumps(value), the text of a JSON column."""
    return _json_dumps(value)


def _copy_encoder(column: Any) -> Callable[[Any], str]:
    kind = column.type
    if isinstance(kind, JSON):
        return lambda value: copy_text(json_text(value))
    if isinstance(kind, Boolean):
        return lambda value: "t" if value else "f"
    if isinstance(kind, UTCDateTime):
        return copy_timestamp
    if isinstance(kind, Date):
        return lambda value: value.isoformat()
    if isinstance(kind, (Integer, Float)):
        return repr
    return copy_text


@dataclass(frozen=True)
class Encoded:
    """Rows of one table ready to write: COPY text in UTF-8 (PostgreSQL) or dicts (SQLite)."""

    table: str
    columns: tuple[str, ...]
    data: bytes | list[dict[str, Any]]


class Encoder:
    """Encodes rows (dicts) of one table for the dialect, column by column."""

    def __init__(self, table: Table, columns: Sequence[str], postgres: bool) -> None:
        self.table = table.name
        self.columns = tuple(columns)
        self.postgres = postgres
        self._named_encoders = [(name, _copy_encoder(table.c[name])) for name in self.columns]

    def line(self, row: dict[str, Any]) -> str | dict[str, Any]:
        """One row: a COPY line without its newline, or the row itself."""
        if not self.postgres:
            return {name: row[name] for name in self.columns}
        return "\t".join(
            [
                NULL if (value := row[name]) is None else encode(value)
                for name, encode in self._named_encoders
            ]
        )

    def encode(self, rows: Iterable[dict[str, Any]]) -> Encoded:
        """Every row, ready for `write`."""
        lines = [self.line(row) for row in rows]
        if self.postgres:
            return Encoded(self.table, self.columns, join_lines(lines))  # type: ignore[arg-type]
        return Encoded(self.table, self.columns, lines)  # type: ignore[arg-type]


def join_lines(lines: list[str]) -> bytes:
    """COPY lines as one UTF-8 stream (the form workers hand over: bytes travel uncopied)."""
    return ("\n".join(lines) + "\n").encode() if lines else b""


def write(table: Table, rows: Encoded) -> None:
    """Write encoded rows into `table` in one stream, inside the session's transaction."""
    if not rows.data:
        return
    connection = db.session.connection()
    if isinstance(rows.data, list):
        connection.execute(insert(table), rows.data)
        return
    raw = connection.connection.driver_connection
    assert raw is not None  # a live psycopg connection inside the session's transaction
    columns = ", ".join(f'"{name}"' for name in rows.columns)
    with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        copy.write(rows.data)


class ReferenceChecks:
    """Foreign keys of a batch checked once per table instead of once per row (PostgreSQL).

    PostgreSQL checks each foreign key of each inserted row with its own query, which also locks
    the referenced row: about a third of its time in the bulk load. When the session may (a
    superuser; the app's own role cannot), each batch's transaction skips those per-row checks
    with `SET LOCAL session_replication_role = replica`, which ends with the transaction, and
    `verify` then checks the same references in one anti-join per foreign key over the rows the
    batch wrote (from `mark`); a missing parent raises and the batch is rolled back, as the
    per-row check would have done. The role also skips ordinary triggers, so the shortcut is
    taken only if no trigger other than a foreign key's fires on INSERT into the written tables
    (the evidence triggers refuse UPDATE, DELETE and TRUNCATE, which the load never does).
    Otherwise, or elsewhere than PostgreSQL, every method does nothing and the database checks
    each row as usual. Unlike the per-row check, this one locks no referred row: those are the
    batch's own people, seen by nobody before the commit, or published versions, quiz
    snapshots, consent purposes and texts, which the app does not delete.
    """

    def __init__(self, tables: Sequence[Table]) -> None:
        self.enabled = _may_skip_row_checks(tables)
        self._written: list[tuple[Table, int]] = []

    def begin(self) -> None:
        """Start a batch: per-row reference checks off until its commit (when enabled)."""
        self._written = []
        if self.enabled:
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
            # The checks read a few thousand rows: parallel workers would cost more than they do.
            db.session.execute(text("SET LOCAL max_parallel_workers_per_gather = 0"))

    def mark(self, table: Table, ids: Sequence[int] | None = None) -> None:
        """Before writing rows into `table`: note where they start (their ids, when taken
        ahead; otherwise they are above the highest id now, the sequence hands out more)."""
        if not self.enabled:
            return
        if ids:
            first = min(ids)
        else:
            first = int(db.session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1
        self._written.append((table, first))

    def verify(self) -> None:
        """Check every foreign key of the rows written since `begin`; raise if one is dangling."""
        for table, first in self._written if self.enabled else []:
            if not table.foreign_key_constraints:
                continue
            missing = db.session.execute(_dangling(table), {"first": first}).first()
            if missing is not None:
                raise RuntimeError(
                    f"{table.name}: a row refers to a missing row ({dict(missing._mapping)})"
                )


def _dangling(table: Table) -> Any:
    """The first combination of references among the batch's rows that names a missing row.

    One pass over the batch's rows gathers their distinct references (about a thousand people
    for tens of thousands of rows); each is then looked up in the referred table's index: a
    LATERAL subquery with LIMIT is a nested loop, where the planner would otherwise hash the
    whole referred table at every batch."""
    constraints = sorted(table.foreign_key_constraints, key=lambda c: str(c.name or ""))
    names = sorted({element.parent.name for c in constraints for element in c.elements})
    lookups, dangling = [], []
    for index, constraint in enumerate(constraints):
        pairs = [(element.parent.name, element.column.name) for element in constraint.elements]
        joined = " AND ".join(f'p."{ref}" = v."{name}"' for name, ref in pairs)
        referred = constraint.referred_table.name
        lookup = f'LEFT JOIN LATERAL (SELECT 1 AS found FROM "{referred}" p WHERE {joined} '  # noqa: S608  # nosec B608
        lookups.append(f"{lookup}LIMIT 1) f{index} ON true")
        present = " AND ".join(f'v."{name}" IS NOT NULL' for name, _ in pairs)
        dangling.append(f"({present} AND f{index}.found IS NULL)")
    columns = ", ".join(f'c."{name}"' for name in names)
    # Table and column names from the models' metadata, never from input.
    query = (
        f'SELECT v.* FROM (SELECT DISTINCT {columns} FROM "{table.name}" c '  # noqa: S608  # nosec B608
        f"WHERE c.id >= :first) v {' '.join(lookups)} WHERE {' OR '.join(dangling)} LIMIT 1"
    )
    return text(query)


def _may_skip_row_checks(tables: Sequence[Table]) -> bool:
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    if db.session.scalar(text("SELECT current_setting('is_superuser')")) != "on":
        log.info("demo load: not a superuser, PostgreSQL checks foreign keys row by row")
        return False
    # tgtype bit 2 (value 4): the trigger fires on INSERT. Foreign keys' own triggers are
    # internal (tgisinternal); any other INSERT trigger would be skipped too, so no shortcut.
    insert_triggers = db.session.scalar(
        text(
            "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND (tgtype & 4) <> 0 "
            "AND tgrelid = ANY(CAST(:tables AS regclass[]))"
        ),
        {"tables": [f'"{table.name}"' for table in tables]},
    )
    return not insert_triggers
