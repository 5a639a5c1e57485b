"""Writing notices (idempotent: one per person and key) and reading a person's notices."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, Select, delete, func, literal, select, true, update

from app.extensions import db
from app.models.reminder import UNREAD_NOTICES_KEY, Notification
from app.models.types import UTCDateTime, utcnow
from app.models.user import Role, User

BATCH = 1000
PAGE_SIZE = 50
CACHE_KEY = UNREAD_NOTICES_KEY  # counted by the sign-in check (app.models.reminder)


@dataclass(frozen=True)
class Notice:
    """A notice to write for one person; (user_id, key) already written means nothing to do."""

    user_id: int
    kind: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)
    endpoint: str | None = None
    endpoint_args: dict[str, Any] = field(default_factory=dict)


def _insert():
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(Notification).on_conflict_do_nothing(index_elements=["user_id", "key"])


def add(notices: Iterable[Notice]) -> None:
    """Write the notices not written yet, in the caller's transaction (the caller commits).

    INSERT ... ON CONFLICT DO NOTHING on (user, key): a job running on two hosts at once, or
    again the same day, writes each notice once."""
    now = utcnow()
    rows = [
        {
            "user_id": n.user_id,
            "kind": n.kind,
            "key": n.key[:200],
            "params": n.params,
            "endpoint": n.endpoint,
            "endpoint_args": n.endpoint_args,
            "created_at": now,
        }
        for n in notices
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(_insert(), rows[start : start + BATCH])
    _count_again()


def add_for_everyone(
    people: Select, kind: str, key: str, params: dict[str, Any], endpoint: str | None
) -> None:
    """The same notice for every person the query selects (one column: user ids), in one
    INSERT ... SELECT in the caller's transaction: 50,000 people cost one statement, not a
    Python loop, and people who already have it are skipped (ON CONFLICT DO NOTHING)."""
    columns = select(
        people.subquery().c[0],
        literal(kind),
        literal(key[:200]),
        literal(params, JSON),
        literal(endpoint),
        literal({}, JSON),
        literal(utcnow(), UTCDateTime),
    ).where(true())  # SQLite reads "SELECT ... ON CONFLICT" as a join without a WHERE
    names = ["user_id", "kind", "key", "params", "endpoint", "endpoint_args", "created_at"]
    db.session.execute(_insert_from(names, columns))
    _count_again()


def _insert_from(names: list[str], columns: Select):
    from sqlalchemy.dialects import postgresql, sqlite

    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    insert: Any = postgresql.insert if on_postgresql else sqlite.insert
    statement = insert(Notification).from_select(names, columns)
    return statement.on_conflict_do_nothing(index_elements=["user_id", "key"])


def add_once(notice: Notice) -> bool:
    """Write one notice unless written already; True when this call wrote it (so that what
    goes with it, an email, is sent once even by two hosts running the same job)."""
    statement = _insert().returning(Notification.id)
    row = {
        "user_id": notice.user_id,
        "kind": notice.kind,
        "key": notice.key[:200],
        "params": notice.params,
        "endpoint": notice.endpoint,
        "endpoint_args": notice.endpoint_args,
        "created_at": utcnow(),
    }
    _count_again()
    return db.session.execute(statement, [row]).first() is not None


def people_with_role(*roles: Role) -> list[int]:
    """Active people holding one of these roles (admins count as HR, as everywhere)."""
    wanted = {r.value for r in roles}
    if Role.HR in roles:
        wanted.add(Role.ADMIN.value)
    return list(
        db.session.scalars(select(User.id).where(User.active.is_(True), User.role.in_(wanted)))
    )


def unread_count(user_id: int) -> int:
    """How many notices the person has not opened (one indexed count)."""
    return (
        db.session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def unread_for_current_user() -> int:
    """The header's count for the signed-in person, counted at most once per request."""
    if not has_request_context() or not current_user.is_authenticated:
        return 0
    # Cached on the request (not on g: tests keep one app context across requests). The sign-in
    # check usually counted already; a change of the person's notices asks to count again.
    if request.environ.get(CACHE_KEY) is None:
        request.environ[CACHE_KEY] = unread_count(current_user.id)
    return int(request.environ[CACHE_KEY])


def _count_again() -> None:
    """Notices changed in this request (perhaps the signed-in person's): the header's bell
    counts again if it is drawn after."""
    if has_request_context():
        request.environ[CACHE_KEY] = None


def latest(user_id: int, limit: int = PAGE_SIZE) -> list[Notification]:
    """The person's notices, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user_id: int, notification_id: int) -> Notification | None:
    """Mark one of the person's notices read; None when it is not theirs (or does not exist)."""
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user_id:
        return None
    if found.read_at is None:
        found.read_at = utcnow()
        _count_again()
    return found


def mark_all_read(user_id: int) -> int:
    """Mark every unread notice of the person read; how many there were."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _count_again()
    return int(getattr(result, "rowcount", 0) or 0)


def forget_person(user: User, *, former_email: str = "") -> dict[str, int]:
    """A `hooks.person_pseudonymised` receiver: the person's notices go with their data."""
    result = db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    return {"notifications": int(getattr(result, "rowcount", 0) or 0)}
