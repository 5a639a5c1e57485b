"""Finding people: the HR employee list with search, filters and pagination."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from app.extensions import db
from app.models.user import User

PER_PAGE = 50


@dataclass(frozen=True)
class EmployeeFilter:
    """What HR typed in the list's search and filter fields."""

    q: str = ""
    department: str = ""
    status: str = ""  # "", active, inactive, pending (no password yet)
    page: int = 1


@dataclass(frozen=True)
class Page:
    """One page of results and how to reach the others."""

    items: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _filtered(flt: EmployeeFilter) -> Select:
    query = select(User)
    if flt.q:
        like = f"%{flt.q.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.full_name).like(like), func.lower(User.email).like(like))
        )
    if flt.department:
        query = query.where(User.department == flt.department)
    if flt.status == "active":
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    elif flt.status == "inactive":
        query = query.where(User.active.is_(False))
    elif flt.status == "pending":
        query = query.where(User.active.is_(True), User.password_hash.is_(None))
    return query


def list_employees(flt: EmployeeFilter, per_page: int = PER_PAGE) -> Page:
    """Return one page of people matching the filter, sorted by name (two queries)."""
    query = _filtered(flt)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(flt.page, max(1, -(-total // per_page))))
    items = db.session.scalars(
        query.order_by(User.full_name, User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def departments() -> list[str]:
    """Every department name in use, sorted."""
    return list(
        db.session.scalars(
            select(User.department)
            .where(User.department != "")
            .distinct()
            .order_by(User.department)
        )
    )


def pending_invitations() -> Iterator[User]:
    """Active people who have not chosen a password yet, streamed in batches."""
    return db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.password_hash.is_(None))
        .order_by(User.id)
        .execution_options(yield_per=500)
    )


def csv_cell(value: object) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is prefixed with a quote."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def csv_line(values: list[object]) -> str:
    """One CSV line with every cell escaped."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(v) for v in values])
    return buffer.getvalue()
