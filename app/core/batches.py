"""Stream a query's users in batches: pages that read everyone never hold everyone in memory."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Select

from app.extensions import db
from app.models.user import User

BATCH = 1000


def batches(query: Select, size: int = BATCH) -> Iterator[list[User]]:
    """The query's users, `size` at a time, streamed (never all in memory)."""
    result = db.session.execute(query.execution_options(yield_per=size))
    for partition in result.scalars().partitions():
        yield list(partition)
