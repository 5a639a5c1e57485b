"""The consent register: everyone's state per purpose and medium, filtered, paged, exported."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from app.consent import decisions
from app.consent.assets.mine import register_cells as asset_cells
from app.core import audit, paging, when
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.consent import ConsentEvent, ConsentPurpose
from app.models.user import User
from app.people.directory import csv_line, excel_delimiter

PER_PAGE = 50
EXPIRING_DAYS = 30
EXPORT_BATCH = 500


@dataclass(frozen=True)
class RegisterFilter:
    """What HR chose in the register's filters."""

    q: str = ""
    department: str = ""
    purpose_id: int | None = None
    medium: str = ""
    state: str = ""  # one of consent.STATES or ""
    expiring: bool = False
    at: str | None = None  # keyset bookmark of the page (app.core.paging.window)
    start: int = 1  # number of the page's first row, for display


@dataclass(frozen=True)
class RegisterRow:
    """One person and their state for each (purpose, medium) column."""

    user: User
    states: list[decisions.ConsentState]


@dataclass(frozen=True)
class RegisterPage:
    """One page of the register."""

    columns: list[tuple[ConsentPurpose, str]]
    rows: list[RegisterRow]
    total: int
    per_page: int
    window: paging.Window


def columns(purposes: list[ConsentPurpose]) -> list[tuple[ConsentPurpose, str]]:
    """One column per active purpose and medium it covers."""
    return [(p, m) for p in purposes if p.active for m in p.media_list]


def _scope(flt: RegisterFilter) -> list[ColumnElement]:
    conditions = [ConsentEvent.user_id == User.id]
    if flt.purpose_id:
        conditions.append(ConsentEvent.purpose_id == flt.purpose_id)
    if flt.medium:
        conditions.append(ConsentEvent.medium == flt.medium)
    return conditions


def _latest_ids() -> Select:
    return select(func.max(ConsentEvent.id)).group_by(
        ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.medium
    )


def _state_condition(state: str, today: date) -> ColumnElement:
    if state == decisions.GRANTED:
        return and_(ConsentEvent.decision == decisions.GRANTED, ConsentEvent.valid_until >= today)
    if state == decisions.EXPIRED:
        return and_(ConsentEvent.decision == decisions.GRANTED, ConsentEvent.valid_until < today)
    return ConsentEvent.decision == state


def _filtered(flt: RegisterFilter, today: date) -> Select:
    query = select(User)
    if flt.q:
        like = f"%{flt.q.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.full_name).like(like), func.lower(User.email).like(like))
        )
    if flt.department:
        query = query.where(User.department == flt.department)
    latest = ConsentEvent.id.in_(_latest_ids().scalar_subquery())
    if flt.state == decisions.NEVER:
        query = query.where(~exists().where(*_scope(flt)))
    elif flt.state in decisions.STATES:
        query = query.where(
            exists().where(*_scope(flt), latest, _state_condition(flt.state, today))
        )
    if flt.expiring:
        query = query.where(
            exists().where(
                *_scope(flt),
                latest,
                ConsentEvent.decision == decisions.GRANTED,
                ConsentEvent.valid_until >= today,
                ConsentEvent.valid_until <= today + timedelta(days=EXPIRING_DAYS),
            )
        )
    return query.order_by(User.department, User.full_name, User.id)


def _rows(
    users: list[User], cols: list[tuple[ConsentPurpose, str]], today: date
) -> list[RegisterRow]:
    states = decisions.states_for([u.id for u in users], today)
    return [
        RegisterRow(
            user=u,
            states=[states.get((u.id, p.id, m), decisions.NEVER_ASKED) for p, m in cols],
        )
        for u in users
    ]


def register_page(
    flt: RegisterFilter, purposes: list[ConsentPurpose], today: date, per_page: int = PER_PAGE
) -> RegisterPage:
    """One page of people with their states (three queries whatever the number of people or
    how deep the page: it is found by keyset)."""
    query = _filtered(flt, today)
    found = paging.window(
        query, at=flt.at, start=flt.start, per_page=per_page, total=paging.count_of(query)
    )
    cols = columns(purposes)
    return RegisterPage(
        columns=cols,
        rows=_rows(found.items, cols, today),
        total=found.total,
        per_page=per_page,
        window=found,
    )


def account_label(user: User) -> str:
    """ "active", or "left on DATE" for a deactivated account."""
    if user.active:
        return _("active")
    left = when.day(user.deactivated_at) if user.deactivated_at else "?"
    return _("left on %(date)s", date=left)


def cell_text(state: decisions.ConsentState) -> str:
    """A state as written in the register and its export."""
    text = decisions.describe(state)
    if state.event is not None and state.event.on_behalf:
        text += " — " + _("recorded by HR on behalf of the employee")
    return text


def export_lines(
    flt: RegisterFilter,
    purposes: list[ConsentPurpose],
    titles: dict[int, str],
    today: date,
    *,
    actor: User,
    client: ClientInfo,
) -> Iterator[str]:
    """Audit the export, then yield CSV lines (BOM first) in batches of people."""
    audit.record(
        AuditAction.CONSENT_EXPORTED,
        actor=actor,
        target_type="consent_register",
        details={
            "q": flt.q,
            "department": flt.department,
            "purpose_id": flt.purpose_id,
            "medium": flt.medium,
            "state": flt.state,
            "expiring": flt.expiring,
        },
        client=client,
    )
    db.session.commit()
    cols = columns(purposes)
    query = _filtered(flt, today)

    def lines() -> Iterator[str]:
        header = (
            [_("Name"), _("Email"), _("Department"), _("Account")]
            + [f"{titles.get(p.id, p.slug)} — {decisions.medium_label(m)}" for p, m in cols]
            + [_("Image assets")]
        )
        sep = excel_delimiter()
        yield "\ufeff" + csv_line(header, sep)
        at = None
        while True:  # batches by keyset: the last batch costs what the first did
            batch = paging.window(query, at=at, start=1, per_page=EXPORT_BATCH, total=0)
            users = batch.items
            if not users:
                return
            assets = asset_cells([u.id for u in users])
            for row in _rows(users, cols, today):
                yield csv_line(
                    [
                        row.user.full_name,
                        row.user.email,
                        row.user.department,
                        account_label(row.user),
                    ]
                    + [cell_text(s) for s in row.states]
                    + [assets.get(row.user.id, "")],
                    sep,
                )
            if batch.next_at is None:
                return
            at = batch.next_at

    return lines()
