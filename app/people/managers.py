"""Line managers: who reports to whom, and the team (direct and indirect reports) of a manager.

Nobody is given a "manager" role: a manager is anyone with at least one active report, derived
from `user.manager_id`, which SCIM, the CSV import, the API and HR's page all set through
`set_manager` (or, in bulk, through employee_sync).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import inspect, select

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.user import User

# Deep enough for any real organisation chart; a cycle (A manages B manages A) stops here too.
MAX_DEPTH = 20


class ManagerError(ValueError):
    """The manager cannot be set; the message says why."""


def team_ids(manager_id: int, *, active_only: bool = True) -> set[int]:
    """Ids of everyone below this manager, directly or not (one recursive query)."""
    base = select(User.id, User.manager_id).where(User.manager_id == manager_id)
    tree = base.add_columns(db.literal(1).label("depth")).cte("team", recursive=True)
    below = select(User.id, User.manager_id, (tree.c.depth + 1).label("depth")).join(
        tree, User.manager_id == tree.c.id
    )
    tree = tree.union(below.where(tree.c.depth < MAX_DEPTH))
    query = select(tree.c.id).distinct()
    ids = set(db.session.scalars(query))
    ids.discard(manager_id)  # a cycle would otherwise make someone their own report
    if active_only and ids:
        ids = set(
            db.session.scalars(select(User.id).where(User.id.in_(ids), User.active.is_(True)))
        )
    return ids


def is_manager(user: Any) -> bool:
    """True when someone active reports to this person (what opens the team pages)."""
    if not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if "has_reports" in inspect(user).dict:  # loaded with the person by the sign-in check
        return bool(user.has_reports)
    return (
        db.session.scalar(
            select(User.id).where(User.manager_id == user.id, User.active.is_(True)).limit(1)
        )
        is not None
    )


def _would_loop(person: User, manager: User) -> bool:
    return manager.id == person.id or manager.id in team_ids(person.id, active_only=False)


def set_manager(
    person: User,
    manager: User | None,
    *,
    actor: User | None,
    client: ClientInfo,
    details: dict[str, Any] | None = None,
    commit: bool = True,
) -> bool:
    """Give the person a manager (or none), audited with from/to; False when unchanged."""
    new_id = manager.id if manager is not None else None
    if person.manager_id == new_id:
        return False
    if manager is not None and _would_loop(person, manager):
        raise ManagerError(_("A person cannot report to themselves or to one of their reports."))
    old = person.manager_id
    person.manager_id = new_id
    audit.record(
        AuditAction.USER_MANAGER_CHANGED,
        actor=actor,
        subject=person,
        target_type="user",
        target_id=person.id,
        details={"from": old, "to": new_id, **(details or {})},
        client=client,
    )
    if commit:
        db.session.commit()
    return True
