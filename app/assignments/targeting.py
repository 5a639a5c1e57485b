"""HR assigns modules to a department or to named people, and follows their progress."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.learn.content import catalog
from app.models.assignment import Assignment, AssignmentTarget
from app.models.learning import ModuleCompletion
from app.models.user import User

LIST_LIMIT = 100
SEARCH_LIMIT = 50


class AssignmentError(ValueError):
    """The assignment cannot be made; the message says why."""


@dataclass(frozen=True)
class AssignmentRow:
    """An assignment with who it concerns today and how many completed the module."""

    assignment: Assignment
    people: int
    done: int


def create(
    module_slug: str,
    department: str,
    user_ids: list[int],
    due_on: date,
    actor: User,
    client: ClientInfo,
) -> Assignment:
    """Assign a module to a department or to people (exactly one of them), audited (commits)."""
    if catalog.module_or_none(module_slug) is None:
        raise AssignmentError("unknown module")
    if bool(department) == bool(user_ids):
        raise AssignmentError("department or people")
    assignment = Assignment(
        module_slug=module_slug,
        department=department or None,
        due_on=due_on,
        created_by_id=actor.id,
    )
    people: list[int] = []
    if user_ids:
        people = list(
            db.session.scalars(
                select(User.id)
                .where(User.id.in_(user_ids), User.active.is_(True))
                .order_by(User.id)
            )
        )
        if not people:
            raise AssignmentError("no such people")
        assignment.targets = [AssignmentTarget(user_id=uid) for uid in people]
    db.session.add(assignment)
    db.session.flush()
    audit.record(
        AuditAction.ASSIGNMENT_CREATED,
        actor=actor,
        target_type="assignment",
        target_id=assignment.id,
        details={
            "module": module_slug,
            "department": department or None,
            "people": people,
            "due_on": due_on.isoformat(),
        },
        client=client,
    )
    db.session.commit()
    return assignment


def search_people(q: str) -> list[User]:
    """Active people whose name or email contains q (the first few, by name)."""
    query = select(User).where(User.active.is_(True)).order_by(User.full_name).limit(SEARCH_LIMIT)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(func.lower(User.full_name).like(like), User.email.like(like)))
    return list(db.session.scalars(query))


def overview() -> list[AssignmentRow]:
    """The latest assignments with progress, in four queries whatever the numbers."""
    assignments = list(
        db.session.scalars(select(Assignment).order_by(Assignment.id.desc()).limit(LIST_LIMIT))
    )
    if not assignments:
        return []
    people: dict[int, set[int]] = defaultdict(set)
    for assignment_id, user_id in db.session.execute(
        select(AssignmentTarget.assignment_id, AssignmentTarget.user_id).where(
            AssignmentTarget.assignment_id.in_([a.id for a in assignments])
        )
    ):
        people[assignment_id].add(user_id)
    departments = {a.department for a in assignments if a.department}
    members: dict[str, set[int]] = defaultdict(set)
    if departments:
        for user_id, department in db.session.execute(
            select(User.id, User.department).where(
                User.department.in_(sorted(departments)), User.active.is_(True)
            )
        ):
            members[department].add(user_id)
    versions = {m.slug: m.material_version for m in catalog.catalog().modules}
    slugs = sorted({a.module_slug for a in assignments})
    completed: dict[str, set[int]] = defaultdict(set)
    for user_id, slug, version in db.session.execute(
        select(
            ModuleCompletion.user_id,
            ModuleCompletion.module_slug,
            ModuleCompletion.material_version,
        ).where(ModuleCompletion.module_slug.in_(slugs))
    ):
        if versions.get(slug) == version:
            completed[slug].add(user_id)
    rows = []
    for assignment in assignments:
        concerned = (
            members[assignment.department] if assignment.department else people[assignment.id]
        )
        done = len(concerned & completed[assignment.module_slug])
        rows.append(AssignmentRow(assignment, len(concerned), done))
    return rows
