"""Counting and clamping for the paginated lists (employees, consent, certificates, roles, policy)."""

from __future__ import annotations

from sqlalchemy import Select, func, select

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
