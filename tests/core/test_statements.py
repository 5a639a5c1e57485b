"""app.core.statements: Core statements on the session's connection behave as Session.execute
does where it matters (the session's pending objects, the per-process cache, the transaction)."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from app.core import process_cache, statements
from app.extensions import db
from app.models.setting import Setting

SETTINGS = Setting.__table__


def _cached_keys(reads: list[int]) -> set[str]:
    def load() -> frozenset[str]:
        reads.append(1)
        return frozenset(db.session.scalars(select(Setting.key)))

    return set(process_cache.cached("test_setting_keys", ["setting"], load))


def test_a_write_through_it_drops_the_values_cached_from_its_table_at_commit(app):
    reads: list[int] = []
    assert _cached_keys(reads) == set()
    assert _cached_keys(reads) == set() and len(reads) == 1  # kept (60 s in the tests)

    statements.execute(insert(SETTINGS), {"key": "test.a", "value": "1"})
    assert _cached_keys(reads) == {"test.a"}  # this transaction reads its own change
    db.session.commit()
    assert _cached_keys(reads) == {"test.a"}
    reads.clear()

    statements.execute(update(SETTINGS).where(SETTINGS.c.key == "test.a").values(key="test.b"))
    db.session.commit()
    assert _cached_keys(reads) == {"test.b"}
    assert reads == [1], "the cached value outlived the commit that changed its table"


def test_a_rolled_back_write_leaves_nothing(app):
    statements.execute(insert(SETTINGS), {"key": "test.gone", "value": "1"})
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Setting)) == 0


def test_it_reads_the_objects_the_session_has_not_flushed_yet(app):
    db.session.add(Setting(key="test.pending", value="1"))
    found = statements.execute(select(SETTINGS.c.key)).scalars().all()
    assert found == ["test.pending"]


def test_inside_no_autoflush_it_leaves_pending_objects_alone(app):
    db.session.add(Setting(key="test.later", value="1"))
    with db.session.no_autoflush:
        assert statements.execute(select(SETTINGS.c.key)).scalars().all() == []
    db.session.commit()
    assert statements.execute(select(SETTINGS.c.key)).scalars().all() == ["test.later"]
