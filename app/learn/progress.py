"""Where people stand: module order and required set, statuses, programme completion."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import bindparam, select

from app.core import process_cache, statements
from app.extensions import db
from app.learn.content import catalog
from app.learn.content.types import Module
from app.models.learning import ModuleCompletion, ModulePlacement, ModuleProgress
from app.models.user import User

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"


@dataclass(frozen=True)
class PlacedModule:
    """A module where the admin placed it, with the required flag in force."""

    module: Module
    position: int
    required: bool


@dataclass(frozen=True)
class ModuleStatus:
    """One learner's standing in one module."""

    placed: PlacedModule
    status: str
    current_step: int
    steps_seen: int
    completed_at: datetime | None
    update_due: bool  # completed an older material version, not the current one

    @property
    def module(self) -> Module:
        return self.placed.module


@dataclass(frozen=True)
class ProgrammeStatus:
    """Required modules completed at their current material version, out of how many."""

    completed: int
    required: int
    completed_at: datetime | None  # when the last required module was completed, if all are

    @property
    def done(self) -> bool:
        return self.completed >= self.required


@dataclass(frozen=True)
class _Placement:
    position: int | None
    required: bool | None


def _placements() -> dict[str, _Placement]:
    rows = db.session.execute(
        select(ModulePlacement.slug, ModulePlacement.position, ModulePlacement.required)
    )
    return {slug: _Placement(position, required) for slug, position, required in rows}


# The last order worked out, with the placements and modules it came from (a page asks two or
# three times; both inputs are kept objects, replaced when they change).
_last_placed: tuple[object, object, list[PlacedModule]] | None = None


def placed_modules() -> list[PlacedModule]:
    """Every module in the admin's order with the admin's required flags (the placements are
    read at most once every few seconds per process, and at once after a change)."""
    global _last_placed
    placements = process_cache.cached("module_placements", ["module_placement"], _placements)
    modules = catalog.catalog().modules
    last = _last_placed
    if last is not None and last[0] is placements and last[1] is modules:
        return list(last[2])
    placed = _placed(placements, modules)
    _last_placed = (placements, modules, placed)
    return list(placed)


def _placed(placements: dict[str, _Placement], modules: Any) -> list[PlacedModule]:

    def key(module: Module) -> tuple[int, int, str]:
        placement = placements.get(module.slug)
        if placement and placement.position is not None:
            return (0, placement.position, module.slug)
        return (1, module.order, module.slug)

    result = []
    for position, module in enumerate(sorted(modules, key=key), start=1):
        placement = placements.get(module.slug)
        required = module.required
        if placement and placement.required is not None:
            required = placement.required
        result.append(PlacedModule(module, position, required))
    return result


# Learner pages read one person's progress on every view: the statement is built once.
_ONE_PERSONS_PROGRESS = select(
    ModuleProgress.module_slug,
    ModuleProgress.material_version,
    ModuleProgress.current_step,
    ModuleProgress.steps_seen,
).where(ModuleProgress.user_id == bindparam("user_id"))


def completions_by_user(user_ids: Iterable[int]) -> dict[int, list[Any]]:
    """Every module completion of these people (user_id, module_slug, material_version,
    completed_at), in one query per 500 people."""
    # Plain rows with the attributes the callers read, not ORM objects: building an ORM
    # instance per completion dominated the HR pages' time at tens of thousands of people.
    ids = list(user_ids)
    found: dict[int, list[Any]] = defaultdict(list)
    for start in range(0, len(ids), 500):  # bounded IN lists for very large organisations
        rows = statements.execute(_COMPLETIONS_OF, {"ids": ids[start : start + 500]})
        for row in rows:
            found[row.user_id].append(row)
    return found


_COMPLETIONS_OF = select(  # built once: a passing quiz submission reads it too
    ModuleCompletion.user_id,
    ModuleCompletion.module_slug,
    ModuleCompletion.material_version,
    ModuleCompletion.completed_at,
).where(ModuleCompletion.user_id.in_(bindparam("ids", expanding=True)))


def _current(completions: list[Any], module: Module) -> Any | None:
    for completion in completions:
        if (
            completion.module_slug == module.slug
            and completion.material_version == module.material_version
        ):
            return completion
    return None


def learner_modules(user: User, completions: list[Any] | None = None) -> list[ModuleStatus]:
    """The learner's modules in order with status (two queries whatever the numbers, one when
    the caller passes the person's `completions_by_user` rows)."""
    placed = placed_modules()
    progress = {
        row.module_slug: row
        for row in statements.execute(_ONE_PERSONS_PROGRESS, {"user_id": user.id})
    }
    if completions is None:
        completions = completions_by_user([user.id]).get(user.id, [])
    statuses = []
    for item in placed:
        module = item.module
        done = _current(completions, module)
        row = progress.get(module.slug)
        fresh = row is not None and row.material_version == module.material_version
        older = any(
            c.module_slug == module.slug and c.material_version < module.material_version
            for c in completions
        )
        if done:
            status = COMPLETED
        elif fresh:
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        statuses.append(
            ModuleStatus(
                placed=item,
                status=status,
                current_step=row.current_step if fresh and row else 0,
                steps_seen=len(row.steps_seen) if fresh and row else 0,
                completed_at=done.completed_at if done else None,
                update_due=older and not done,
            )
        )
    return statuses


def programme_status(
    users: list[User],
    completions: dict[int, list[Any]] | None = None,
    placed: list[PlacedModule] | None = None,
) -> dict[int, ProgrammeStatus]:
    """Programme status per user id, in a bounded number of queries (none when the caller
    passes their `completions_by_user`), against `placed_modules()` unless given."""
    required = [p.module for p in (placed or placed_modules()) if p.required]
    if completions is None:
        completions = completions_by_user(u.id for u in users)
    result = {}
    for user in users:
        mine = completions.get(user.id, [])
        done = [c for c in (_current(mine, m) for m in required) if c is not None]
        finished = len(done) == len(required) and bool(required)
        result[user.id] = ProgrammeStatus(
            completed=len(done),
            required=len(required),
            completed_at=max(c.completed_at for c in done) if finished else None,
        )
    return result


def required_modules_completed(user: User) -> bool:
    """True when every required module is completed at its current material version."""
    return programme_status([user])[user.id].done


def affected_people() -> dict[str, list[User]]:
    """Per module slug: who completed an older material version but not the current one."""
    current = {m.slug: m.material_version for m in catalog.catalog().modules}
    rows = db.session.execute(
        select(ModuleCompletion.module_slug, ModuleCompletion.material_version, User)
        .join(User, User.id == ModuleCompletion.user_id)
        .order_by(User.full_name)
    ).all()
    up_to_date = {(slug, user.id) for slug, version, user in rows if current.get(slug) == version}
    affected: dict[str, dict[int, User]] = defaultdict(dict)
    for slug, version, user in rows:
        if slug in current and version < current[slug] and (slug, user.id) not in up_to_date:
            affected[slug][user.id] = user
    return {slug: list(people.values()) for slug, people in affected.items()}


def required_modules_prerequisite(user: User) -> str | None:
    """A `hooks.signing_prerequisites` receiver: the policy is signed after the required modules."""
    if required_modules_completed(user):
        return None
    return _("Complete the required modules of your programme before signing the policy.")
