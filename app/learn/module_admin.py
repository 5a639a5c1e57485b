"""The admin's choices about modules: their order and which ones are required (audited)."""

from __future__ import annotations

from sqlalchemy import select

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.learn import progress
from app.models.learning import ModulePlacement
from app.models.user import User


def _placements() -> dict[str, ModulePlacement]:
    return {p.slug: p for p in db.session.scalars(select(ModulePlacement))}


def _row(rows: dict[str, ModulePlacement], slug: str, actor: User) -> ModulePlacement:
    row = rows.get(slug)
    if row is None:
        row = ModulePlacement(slug=slug)
        db.session.add(row)
        rows[slug] = row
    row.updated_by_id = actor.id
    return row


def move(slug: str, direction: str, *, actor: User, client: ClientInfo) -> bool:
    """Move a module one place up or down; False when it is already at that end."""
    placed = progress.placed_modules()
    slugs = [p.module.slug for p in placed]
    if slug not in slugs or direction not in ("up", "down"):
        return False
    index = slugs.index(slug)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(slugs):
        return False
    before = list(slugs)
    slugs[index], slugs[target] = slugs[target], slugs[index]
    rows = _placements()
    # Every module gets an explicit position, so the whole order is the admin's from now on.
    for position, each in enumerate(slugs, start=1):
        _row(rows, each, actor).position = position
    audit.record(
        AuditAction.MODULE_SETTINGS_CHANGED,
        actor=actor,
        target_type="module",
        target_id=slug,
        details={"change": f"move_{direction}", "from": before, "to": slugs},
        client=client,
    )
    db.session.commit()
    return True


def toggle_required(slug: str, *, actor: User, client: ClientInfo) -> bool | None:
    """Flip whether the module is required; returns the new flag (None for an unknown module)."""
    placed = {p.module.slug: p for p in progress.placed_modules()}
    if slug not in placed:
        return None
    now_required = not placed[slug].required
    _row(_placements(), slug, actor).required = now_required
    audit.record(
        AuditAction.MODULE_SETTINGS_CHANGED,
        actor=actor,
        target_type="module",
        target_id=slug,
        details={"change": "required", "from": not now_required, "to": now_required},
        client=client,
    )
    db.session.commit()
    return now_required
