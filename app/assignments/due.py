"""What each person must do and by when: due dates, overdue and due-soon items.

The required programme is due `assignments.programme_due_days` days after a person's start date;
the current policy version is due the same number of days after the later of the start date and
the version's publication (a new version gives everyone a new deadline). HR assignments add a
module ("module:<slug>") with HR's due date; a new material version of a module someone completed
gives them that module again, due N days after the version was first seen; a major policy
version that changed a section a module teaches gives it again to whoever completed it before,
due N days after the publication (app.policy.retraining); the optional
refresher ("refresher") makes the programme due again some months after it was completed.
Everything is computed from the records with an explicit `today`, so no job has to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from app.assignments import refresher
from app.core import process_cache, settings, statements
from app.database import known_none
from app.extensions import db
from app.learn import module_versions, progress
from app.learn.content import catalog as content
from app.models.acknowledgement import Acknowledgement
from app.models.assignment import NAMED_IN_ASSIGNMENTS_KEY, Assignment, AssignmentTarget
from app.models.learning import ModuleCompletion
from app.models.policy import PolicyVersion
from app.models.user import User
from app.policy import retraining

DUE_SOON_DAYS = 7
PROGRAMME_DUE_DAYS = settings.SettingSpec(
    "assignments.programme_due_days",
    "int",
    14,
    _l("Days to complete the programme and sign the policy"),
    _l("Assignments"),
    _l("Counted from the start date (or, for a new policy version, from its publication)."),
    minimum=1,
    maximum=365,
)


class DueKind(StrEnum):
    """What kind of thing is due; the kind is the item's key, except a module's ("module:<slug>")."""

    PROGRAMME = "programme"
    POLICY = "policy"
    MODULE = "module"
    REFRESHER = "refresher"


_MODULE_PREFIX = f"{DueKind.MODULE.value}:"


def due_key(kind: DueKind, slug: str = "") -> str:
    """The item's key as stored and shown: "programme", "policy", "refresher" or "module:<slug>"."""
    if kind is DueKind.MODULE:
        return f"{_MODULE_PREFIX}{slug}"
    return kind.value


def parse_due_key(key: str) -> tuple[DueKind | None, str]:
    """(kind, module slug) of a key; (None, key) for a key no kind knows."""
    if key.startswith(_MODULE_PREFIX):
        return DueKind.MODULE, key.removeprefix(_MODULE_PREFIX)
    if key in (DueKind.PROGRAMME, DueKind.POLICY, DueKind.REFRESHER):
        return DueKind(key), ""
    return None, key


@dataclass(frozen=True)
class DueItem:
    """One thing a person must do, with its deadline."""

    key: str  # due_key(...): "programme", "policy", "module:<slug>" or "refresher"
    due_on: date
    done: bool

    def overdue(self, today: date) -> bool:
        return not self.done and self.due_on < today

    def due_soon(self, today: date) -> bool:
        return not self.done and today <= self.due_on <= today + timedelta(days=DUE_SOON_DAYS)


@dataclass(frozen=True)
class AssignmentSummary:
    """A person's due items seen from `today`."""

    items: tuple[DueItem, ...]
    today: date

    @property
    def overdue(self) -> list[DueItem]:
        return [item for item in self.items if item.overdue(self.today)]

    @property
    def due_soon(self) -> list[DueItem]:
        return [item for item in self.items if item.due_soon(self.today)]

    @property
    def next_due(self) -> date | None:
        pending = [item.due_on for item in self.items if not item.done]
        return min(pending) if pending else None


def _start(user: User) -> date:
    return user.start_date or user.created_at.date()


@dataclass(frozen=True)
class AssignedModule:
    """What the due dates need of an HR assignment (kept per process: app/core/process_cache)."""

    id: int
    module_slug: str
    department: str | None
    due_on: date


def _all_assignments() -> dict[int, AssignedModule]:
    rows = db.session.execute(
        select(Assignment.id, Assignment.module_slug, Assignment.department, Assignment.due_on)
    )
    return {row.id: AssignedModule(*row) for row in rows}


def _assigned(
    users: list[User], retry: bool = True
) -> dict[int, list[tuple[AssignedModule, bool]]]:
    """Per user id: (assignment, by department?) for assignments naming them or their department
    (the assignments themselves from the per-process cache; one query per 500 people for the
    named ones)."""
    every = process_cache.cached(
        "assignments", ["assignment", "assignment_target"], _all_assignments
    )
    by_department: dict[str, list[AssignedModule]] = {}
    for row in every.values():
        if row.department:
            by_department.setdefault(row.department, []).append(row)
    result: dict[int, list[tuple[AssignedModule, bool]]] = {
        u.id: [(a, True) for a in by_department.get(u.department or "", [])] for u in users
    }
    ids = [u.id for u in users if not known_none(NAMED_IN_ASSIGNMENTS_KEY, u.id)]
    missing = False
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(AssignmentTarget.user_id, AssignmentTarget.assignment_id).where(
                AssignmentTarget.user_id.in_(ids[start : start + 500])
            )
        )
        for user_id, assignment_id in rows:
            found = every.get(assignment_id)
            if found is None:  # created in the last seconds by another process
                missing = True
                continue
            result[user_id].append((found, False))
    if missing and retry:
        process_cache.forget("assignment")
        return _assigned(users, retry=False)
    return result


@dataclass(frozen=True)
class CurrentPolicy:
    """The latest published policy version, as the due dates need it."""

    id: int
    published_at: datetime


def current_policy() -> CurrentPolicy | None:
    """The latest published policy version's id and publication (per-process cache)."""

    def load() -> CurrentPolicy | None:
        row = db.session.execute(
            select(PolicyVersion.id, PolicyVersion.published_at)
            .order_by(PolicyVersion.version.desc())
            .limit(1)
        ).first()
        return CurrentPolicy(row.id, row.published_at) if row else None

    return process_cache.cached("current_policy", ["policy_version"], load)


def _module_items(
    user: User,
    mine: list[ModuleCompletion],
    assigned: list[tuple[AssignedModule, bool]],
    seen: dict[tuple[str, int], date],
    days: timedelta,
    again: tuple[dict[str, datetime], set[str]] = ({}, set()),
) -> list[DueItem]:
    """Assigned modules, modules updated since the person completed them and modules teaching
    policy sections a major version changed since they completed them, one item each.

    `again`: (module slug → publication of that major version, the slugs this person passed
    again since then), from `retraining.modules_due_again` and `_passed_again`."""
    catalog = {m.slug: m.material_version for m in content.catalog().modules}
    current = {c.module_slug for c in mine if catalog.get(c.module_slug) == c.material_version}
    due: dict[str, date] = {}
    retrain, passed_again = again
    # Completed before the policy changed what the module teaches: done once passed again.
    stale = {
        c.module_slug
        for c in mine
        if c.module_slug in retrain
        and c.module_slug in catalog
        and c.completed_at < retrain[c.module_slug]
    } - passed_again

    def add(slug: str, day: date) -> None:
        due[slug] = min(day, due.get(slug, day))

    for completion in mine:
        version = catalog.get(completion.module_slug)
        if version is not None and completion.material_version < version:
            add(completion.module_slug, seen[(completion.module_slug, version)] + days)
    for assignment, by_department in assigned:
        if assignment.module_slug in catalog:
            # Someone who joins the department later still gets the usual time to do it.
            day = (
                max(assignment.due_on, _start(user) + days) if by_department else assignment.due_on
            )
            add(assignment.module_slug, day)
    for slug in stale:
        add(slug, retrain[slug].date() + days)
    return [
        DueItem(due_key(DueKind.MODULE, slug), day, slug in current and slug not in stale)
        for slug, day in sorted(due.items(), key=lambda pair: (pair[1], pair[0]))
    ]


def _passed_again(ids: list[int], again: dict[str, datetime]) -> dict[int, set[str]]:
    """Per person, the modules of `again` whose current quiz they passed since the policy
    version that made them due again."""
    found: dict[int, set[str]] = {}
    if not again:
        return found
    modules = [m for m in content.catalog().modules if m.slug in again]
    for (user_id, slug), times in refresher.passes(ids, modules).items():
        if any(submitted and submitted >= again[slug] for submitted in times):
            found.setdefault(user_id, set()).add(slug)
    return found


# Built once: a learner's home runs it on every view.
_SIGNED_BY_ONE_PERSON = select(Acknowledgement.user_id).where(
    Acknowledgement.policy_version_id == bindparam("version_id"),
    Acknowledgement.user_id == bindparam("user_id"),
)


def summaries(
    users: list[User],
    today: date,
    programme: dict[int, progress.ProgrammeStatus] | None = None,
    completions: dict[int, list[Any]] | None = None,
) -> dict[int, AssignmentSummary]:
    """Due items for many people in a bounded number of queries (whatever their number);
    `programme` is their `progress.programme_status` and `completions` their
    `progress.completions_by_user` when the caller already has them."""
    days = timedelta(days=settings.get(PROGRAMME_DUE_DAYS))
    if completions is None:
        completions = progress.completions_by_user(u.id for u in users)
    if programme is None:
        programme = progress.programme_status(users, completions)
    required = [p.module for p in progress.placed_modules() if p.required]
    seen = module_versions.first_seen(today)
    assigned = _assigned(users)
    refreshers = refresher.refreshers(users, programme, required, today, days)
    again = retraining.modules_due_again()
    passed_again = _passed_again([user.id for user in users], again)
    current = current_policy()
    signed: set[int] = set()
    if current is not None and len(users) == 1:  # a learner's own page, on every view
        signed.update(
            statements.execute(
                _SIGNED_BY_ONE_PERSON, {"version_id": current.id, "user_id": users[0].id}
            ).scalars()
        )
    elif current is not None:
        ids = [user.id for user in users]
        for start in range(0, len(ids), 500):
            signed.update(
                db.session.scalars(
                    select(Acknowledgement.user_id).where(
                        Acknowledgement.policy_version_id == current.id,
                        Acknowledgement.user_id.in_(ids[start : start + 500]),
                    )
                )
            )
    result: dict[int, AssignmentSummary] = {}
    for user in users:
        mine = completions.get(user.id, [])
        ever = {c.module_slug for c in mine}
        # Once completed, the programme stays done: an updated module is its own item below.
        finished = (
            programme[user.id].done or bool(required) and all(m.slug in ever for m in required)
        )
        items = [DueItem(due_key(DueKind.PROGRAMME), _start(user) + days, finished)]
        if current is not None:
            published = current.published_at.date()
            items.append(
                DueItem(
                    due_key(DueKind.POLICY), max(_start(user), published) + days, user.id in signed
                )
            )
        items.extend(
            _module_items(
                user, mine, assigned[user.id], seen, days, (again, passed_again.get(user.id, set()))
            )
        )
        if user.id in refreshers:
            _opens, due_on, done = refreshers[user.id]
            items.append(DueItem(due_key(DueKind.REFRESHER), due_on, done))
        result[user.id] = AssignmentSummary(tuple(items), today)
    return result
