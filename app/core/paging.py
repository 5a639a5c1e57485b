"""Counting and clamping for the paginated lists (employees, consent, certificates, roles, policy)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlakeyset import InvalidPage, select_page
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.extensions import db


def count_of(query: Select) -> int:
    """How many rows `query` returns, counted without its ORDER BY (which would otherwise sort
    every row just to count them: 60 ms of the consent register's 115 at 50,000 people)."""
    counted = select(func.count()).select_from(query.order_by(None).subquery())
    return db.session.scalar(counted) or 0


def clamp(page: int, total: int, per_page: int) -> int:
    """`page` kept between the first and the last page (a link kept past the end shows the last)."""
    return max(1, min(page, last_page(total, per_page)))


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


# Keyset ("seek") pagination for the long HR lists: a page is found by the sort key of the row
# before it, not by skipping OFFSET rows, so page 1,000 costs what page 1 costs. sqlakeyset
# (kept, maintained) builds the row-value comparisons and the bookmarks; the order must end
# with a unique column (the id) and use no NULLS FIRST/LAST (it cannot seek past NULLs).
LAST_PAGE = "<"  # sqlakeyset's bookmark for "the last page, read backwards from the end"


@dataclass(frozen=True)
class Window:
    """One page of a list read by keyset, with the bookmarks of its neighbours."""

    items: list[Any]
    total: int
    per_page: int
    first_number: int  # 1-based position of items[0] (for "51–100 of 50,000"); 0 if empty
    previous_at: str | None
    next_at: str | None

    keyset = True  # templates choose the keyset navigation (first, previous, next, last)

    @property
    def last_number(self) -> int:
        return self.first_number + len(self.items) - 1 if self.items else 0

    @property
    def previous_number(self) -> int:
        return max(1, self.first_number - self.per_page)

    @property
    def next_number(self) -> int:
        return self.last_number + 1

    @property
    def last_page_number(self) -> int:
        return max(1, self.total - self.per_page + 1)

    @property
    def pages(self) -> int:
        return last_page(self.total, self.per_page)

    @property
    def is_last(self) -> bool:
        return self.next_at is None


def window(
    query: Select, *, at: str | None, start: int, per_page: int, total: int, rows: bool = False
) -> Window:
    """The page of `query` at bookmark `at` (None: the first; LAST_PAGE: the last).

    Items are the first entity of each row, or the whole rows with `rows=True`.

    `start` is only the number shown for the first row, carried in the link: it costs nothing
    to trust, since it changes no row. A bookmark that does not fit this order (a link kept
    from another sort, or typed by hand) shows the first page rather than an error.
    """
    try:
        page = select_page(_session(), query, per_page=per_page, page=at or None)
    except (InvalidPage, ValueError, TypeError, IndexError, KeyError):
        db.session.rollback()
        page, at = select_page(_session(), query, per_page=per_page), None
    paging = page.paging
    items = list(page) if rows else [row[0] for row in page]
    backwards = at is not None and at.startswith("<")
    if not at or not paging.has_previous:
        first = 1 if items else 0  # nothing before these rows
    elif at == LAST_PAGE or (backwards and not paging.has_next):
        first = max(1, total - len(items) + 1)
    else:
        first = min(max(1, start), max(1, total))
    return Window(
        items=items,
        total=total,
        per_page=per_page,
        first_number=first,
        previous_at=paging.bookmark_previous if paging.has_previous else None,
        next_at=paging.bookmark_next if paging.has_next else None,
    )


def _session() -> Session:
    """The request's session itself (sqlakeyset is typed for a Session, not Flask's proxy)."""
    return db.session()


def window_args(args) -> tuple[str | None, int]:
    """The bookmark and the first row's number from the request arguments."""
    at = (args.get("at") or "")[:500] or None
    try:
        start = max(1, int(args.get("start", "1")))
    except ValueError:
        start = 1
    return at, start
