"""`flask demo --employees N`: many generated employees with history, written with bulk inserts.

1,000 people per transaction. Worker processes build each batch (app/demo/batch_rows.py: history,
seals, audit entries, rows encoded for COPY) while this process writes the batch before, so the
database and the workers are busy at the same time (app/demo/workers.py). The history is
evidence-shaped, so it is sealed like real evidence: acknowledgement and consent MACs come from
the same functions as live records, and every record gets its audit entry, chained here from the
current head under the chain lock (the only sequential step), so `flask audit verify` passes
afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, text

from app.consent import texts
from app.core import audit, keys
from app.demo import bulk_writes, workers
from app.demo.batch_rows import AUDIT_COLUMNS, CHAIN_COLUMNS, ID_KINDS, Finished
from app.demo.history import email_for
from app.demo.seed import DEMO_PASSWORD
from app.extensions import db
from app.learn import progress
from app.models.audit import GENESIS_HASH, AuditEvent
from app.models.learning import QuizSnapshot
from app.models.user import User, hash_password
from app.policy import signing, versions

BATCH = 1000
# Batches drafted ahead of the one being written, per worker: enough to keep them busy.
AHEAD = 2


def _chain(finished: Finished, postgres: bool) -> bulk_writes.Encoded:
    """Place the batch's audit entries after the current head: seq, prev_hash and hash."""
    audit._lock_chain()
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.created_at)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    seq, prev = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    hash_ = audit.chain_hasher(finished.key_id)
    lines: list[Any] = []
    for parts, rest in finished.entries:
        seq += 1
        entry_hash = hash_(parts, seq, prev)
        if postgres:
            lines.append(f"{seq}\t{prev}\t{entry_hash}\t{rest}")
        else:
            lines.append({**rest, "seq": seq, "prev_hash": prev, "hash": entry_hash})
        prev = entry_hash
    if finished.last_at is not None:
        audit.note_appended(audit.ChainHead(seq, prev, finished.last_at))
    data = bulk_writes.join_lines(lines) if postgres else lines
    return bulk_writes.Encoded(AuditEvent.__tablename__, CHAIN_COLUMNS + AUDIT_COLUMNS, data)


def _plain(obj: Any, *names: str) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(obj, name) for name in names})


def _snapshots(modules: list[Any], now: datetime) -> None:
    known = set(db.session.scalars(select(QuizSnapshot.content_hash)))
    rows = [
        {
            "content_hash": m.quiz.content_hash,
            "module_slug": m.slug,
            "material_version": m.material_version,
            "definition": m.quiz.definition,
            "created_at": now,
        }
        for m in modules
        if m.quiz.content_hash not in known
    ]
    if rows:
        db.session.execute(insert(QuizSnapshot), rows)


def context(now: datetime, seed: int) -> SimpleNamespace:
    """What every batch needs, as plain copies: ORM objects expire at each commit."""
    version = versions.current_version()
    ctx = SimpleNamespace(
        now=now,
        seed=seed,
        modules=[p.module for p in progress.placed_modules()],
        required={p.module.slug for p in progress.placed_modules() if p.required},
        version=_plain(version, "id", "version") if version else None,
        version_texts={t.locale: _plain(t, "locale", "sha256") for t in version.texts}
        if version
        else {},
        purposes=[
            _plain(p, "id", "media_list", "default_duration_months")
            for p in texts.purposes(active_only=True)
        ],
        texts={
            loc: {
                pid: _plain(t, "id", "version", "locale", "sha256")
                for pid, t in texts.current_texts(loc).items()
            }
            for loc in ("fr", "en")
        },
        password=hash_password(DEMO_PASSWORD),
    )
    ctx.statements = {
        loc: signing.statement_for(str(ctx.version.version), loc)
        for loc in ("fr", "en")
        if ctx.version
    }
    return ctx


def generate(
    count: int, *, seed: int = 2026, now: datetime | None = None, processes: int | None = None
) -> int:
    """Create generated employees 1..count that do not exist yet; return how many were created.

    `processes`: worker processes building the batches (default: two from 2,000 people on, none
    below; 0 builds them in this process). The result is the same either way."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    existing = set(
        db.session.scalars(select(User.email).where(User.email.like("person%@staff.example.com")))
    )
    wanted = [i for i in range(1, count + 1) if email_for(i) not in existing]
    if not wanted:
        return 0
    if processes is None:
        processes = workers.default_processes(len(wanted))
    ctx = context(now, seed)
    _snapshots(ctx.modules, now)
    db.session.commit()
    _write_batches([wanted[i : i + BATCH] for i in range(0, len(wanted), BATCH)], ctx, processes)
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the planner: right after a bulk load autovacuum has not looked
        # yet, and the 50,000-person export ran three times slower on the stale estimates.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return len(wanted)


def _write_batches(batches: list[list[int]], ctx: SimpleNamespace, processes: int) -> None:
    """Draft batches ahead in the workers, finish each as soon as its ids are taken, and write
    them in order, one transaction each."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    ids = bulk_writes.IdAllocator()
    ahead = AHEAD * max(1, processes)
    tables = [model.__table__ for model in (User, *ID_KINDS.values(), AuditEvent)]
    checks = bulk_writes.ReferenceChecks([*tables, db.metadata.tables["module_progress"]])
    taken: dict[int, dict[str, list[int]]] = {}  # per batch: the ids taken per table
    with workers.BatchWorkers(ctx, processes, postgres) as pool:

        def start(number: int) -> None:
            if number < len(batches):
                user_ids = ids.take(User.__table__, len(batches[number]))
                taken[number] = {User.__tablename__: user_ids}
                pool.draft(number, batches[number], user_ids)

        def give_ids(number: int) -> None:
            counts = pool.result(workers.DRAFT, number)
            kinds = {
                kind: ids.take(model.__table__, counts[kind]) for kind, model in ID_KINDS.items()
            }
            taken[number].update(
                {ID_KINDS[kind].__tablename__: kind_ids for kind, kind_ids in kinds.items()}
            )
            pool.finish(number, kinds, keys.current_key_id())
            start(number + ahead)

        for number in range(min(ahead, len(batches))):
            start(number)
        give_ids(0)
        for number in range(len(batches)):
            if number + 1 < len(batches):
                give_ids(number + 1)  # the workers finish the next batch while this one is written
            finished = pool.result(workers.FINISH, number)
            batch_ids = taken.pop(number)
            checks.begin()
            for encoded in finished.tables:
                table = db.metadata.tables[encoded.table]
                checks.mark(table, batch_ids.get(encoded.table))
                bulk_writes.write(table, encoded)
            checks.mark(AuditEvent.__table__)
            bulk_writes.write(AuditEvent.__table__, _chain(finished, postgres))
            checks.verify()
            db.session.commit()
