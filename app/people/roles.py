"""Who holds which role: the admin's role changes (audited) and the people list to make them."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.core import audit, paging
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.user import Role, User
from app.people import sessions

PER_PAGE = 50


class RoleError(ValueError):
    """The change is refused; the message says why."""


@dataclass(frozen=True)
class PeoplePage:
    """One page of people with their roles."""

    items: list[User]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def people(q: str = "", role: str = "", page: int = 1, per_page: int = PER_PAGE) -> PeoplePage:
    """People matching a name or email and a role, sorted by name (two queries)."""
    query = select(User)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(
            or_(func.lower(User.full_name).like(like), func.lower(User.email).like(like))
        )
    if role:
        query = query.where(User.role == role)
    total = paging.count_of(query)
    page = paging.clamp(page, total, per_page)
    items = db.session.scalars(
        query.order_by(User.full_name, User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return PeoplePage(list(items), total, page, per_page)


def change_role(
    user: User, role: Role, *, actor: User, client: ClientInfo, details: dict | None = None
) -> bool:
    """Give the person a new role (audited with from/to); False when it is already theirs.

    The last active administrator keeps the role, so that someone can always manage the
    instance. The active admins are locked first, so two admins demoting each other at the
    same moment cannot both succeed.
    """
    old = Role(user.role)
    if old is role:
        return False
    if old is Role.ADMIN:
        admins = db.session.scalars(
            select(User.id)
            .where(User.role == Role.ADMIN.value, User.active.is_(True))
            .with_for_update()
        ).all()
        if user.active and len(admins) <= 1:
            raise RoleError(
                _(
                    "%(name)s is the last administrator: give the role to someone else first.",
                    name=user.full_name,
                )
            )
    user.role = role.value
    # What the person may see changed: every browser signs in again (the new rights apply).
    sessions.end_all(user, sessions.ROLE_CHANGED)
    audit.record(
        AuditAction.USER_ROLE_CHANGED,
        actor=actor,
        subject=user,
        target_type="user",
        target_id=user.id,
        details={"from": old.value, "to": role.value, **(details or {})},
        client=client,
    )
    db.session.commit()
    return True
