"""Finding people: departments, pending invitations, and safe CSV lines for HR exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select

from app.core import when
from app.extensions import db
from app.models.user import Role, User
from app.permissions import ROLE_RANK


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


def pending_invitations(*, up_to: str) -> Iterator[User]:
    """Active people who have not chosen a password yet, streamed in batches.

    Only people whose role does not rank above `up_to` (the asking person's role): their links
    are handed to the asker, who could otherwise become them.
    """
    rank = ROLE_RANK[Role(up_to)]
    roles = [role.value for role, role_rank in ROLE_RANK.items() if role_rank <= rank]
    return db.session.scalars(
        select(User)
        .where(User.active.is_(True), User.password_hash.is_(None), User.role.in_(roles))
        .order_by(User.id)
        .execution_options(yield_per=500)
    )


def csv_cell(value: object) -> str:
    """Neutralise spreadsheet formulas: a cell starting with = + - @ is prefixed with a quote."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def csv_line(values: list[object], delimiter: str = ",") -> str:
    """One CSV line with every cell escaped."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerow([csv_cell(v) for v in values])
    return buffer.getvalue()


def excel_delimiter() -> str:
    """The cell separator Excel expects in the reader's locale.

    Excel splits a CSV on the list separator of the system's region, which is ";" wherever the
    decimal separator is a comma (French, German, ...), and "," elsewhere.
    """
    return ";" if when.uses_decimal_comma() else ","
