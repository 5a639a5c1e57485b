"""The day each module material version was first seen, so a new version's deadline is stable.

Content lives in files, so nothing tells the database when an author raised a module's
`version`. The first read of due dates after the change (a page, the reminders command) stores
that day; later reads use the stored day, so the deadline does not slide from one day to the next.
A table is used rather than QuizSnapshot/ModulePlacement dates because those only exist once a
learner starts the quiz or the admin moves the module, which can be long after the new version.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import OperationalError

from app.core import process_cache
from app.extensions import db
from app.learn.content import catalog
from app.models.assignment import ModuleVersionSeen


def first_seen(today: date) -> dict[tuple[str, int], date]:
    """(slug, material version) → first-seen day for every current module (records new ones)."""
    known = dict(process_cache.cached("module_version_seen", ["module_version_seen"], _known))
    missing = [
        (m.slug, m.material_version)
        for m in catalog.catalog().modules
        if (m.slug, m.material_version) not in known
    ]
    if missing:
        _record(missing, today)
        # Read back at once (the commit dropped the cached copy): the recorded days, or those
        # of another process that recorded first; later requests find them cached.
        known = dict(process_cache.cached("module_version_seen", ["module_version_seen"], _known))
        for pair in missing:
            known.setdefault(pair, today)
    return known


def _known() -> dict[tuple[str, int], date]:
    rows = db.session.execute(
        select(
            ModuleVersionSeen.module_slug,
            ModuleVersionSeen.material_version,
            ModuleVersionSeen.first_seen_on,
        )
    )
    return {(slug, version): day for slug, version, day in rows}


def _record(pairs: list[tuple[str, int]], today: date) -> None:
    rows = [{"module_slug": s, "material_version": v, "first_seen_on": today} for s, v in pairs]
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    session = db.session()
    # Committing here must not expire the caller's loaded objects (that would reload them one
    # by one): keep them as they are for this commit only.
    previous = session.expire_on_commit
    session.expire_on_commit = False
    try:
        # Another process may record the same version at the same moment: its day wins.
        session.execute(insert(ModuleVersionSeen).values(rows).on_conflict_do_nothing())
        session.commit()
    except OperationalError:
        # SQLite refuses to upgrade a stale read transaction to a write: the next read records it.
        session.rollback()
    finally:
        session.expire_on_commit = previous
