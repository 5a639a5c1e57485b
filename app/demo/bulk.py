"""`flask demo --employees N`: many generated employees with history, written with bulk inserts.

Rows go in through app.demo.bulk_writes (ids taken from the sequence first, then COPY on
PostgreSQL or executemany on SQLite), 1,000 people per transaction. The history is evidence-shaped, so it is sealed like real
evidence: acknowledgement and consent MACs come from the same functions as live records, and
every record gets its audit entry, chained in Python from the current head under the chain
lock, so `flask audit verify` passes afterwards.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from random import Random
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, text

from app.consent import evidence as consent_evidence
from app.consent import texts
from app.consent.decisions import DECISION_ACTIONS
from app.core import audit, keys
from app.core.audit_actions import AuditAction
from app.demo import bulk_writes
from app.demo.history import (
    USER_AGENT,
    attempt_row,
    consent_rows,
    email_for,
    learning_plan,
    person,
)
from app.demo.seed import DEMO_PASSWORD
from app.evidence import seals
from app.extensions import db
from app.learn import evidence as learn_evidence
from app.learn import progress
from app.models.acknowledgement import Acknowledgement
from app.models.audit import GENESIS_HASH, AuditEvent
from app.models.consent import ConsentEvent
from app.models.learning import ModuleCompletion, ModuleProgress, QuizAttempt, QuizSnapshot
from app.models.user import Role, User, hash_password
from app.policy import evidence as policy_evidence
from app.policy import signing, versions

BATCH = 1000


class _Chain:
    """Appends audit entries after the current head, computing hashes as audit.record does."""

    def __init__(self) -> None:
        audit._lock_chain()
        head = db.session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        self.seq = head.seq if head else 0
        self.prev = head.hash if head else GENESIS_HASH
        self.rows: list[dict[str, Any]] = []

    def add(self, action, at, user_id, target_type, target_id, details, actor=True) -> None:
        """Queue one entry about user_id; the actor is the person unless actor=False (system)."""
        actor_id = user_id if actor else None
        self.rows.append((at, str(action), actor_id, user_id, target_type, str(target_id), details))

    def flush(self) -> None:
        entries = []
        ip = "10.20.0.1"
        key_id = keys.current_key_id()
        for at, action, actor_id, subject_id, target_type, target_id, details in sorted(
            self.rows, key=lambda r: r[0]
        ):
            self.seq += 1
            salt = secrets.token_hex(16)
            entry = SimpleNamespace(
                seq=self.seq,
                created_at=at,
                actor_id=actor_id,
                subject_id=subject_id,
                action=action,
                target_type=target_type,
                target_id=target_id,
                details=audit.canonical_json(details),
                pii_digest=audit.pii_digest(salt, ip, USER_AGENT),
                prev_hash=self.prev,
                key_id=key_id,
            )
            entry.hash = audit.entry_hash(entry)
            self.prev = entry.hash
            entries.append({**vars(entry), "ip": ip, "user_agent": USER_AGENT, "pii_salt": salt})
        if entries:
            bulk_writes.write_rows(AuditEvent.__table__, entries)
            last = entries[-1]
            audit.note_appended(audit.ChainHead(last["seq"], last["hash"], last["created_at"]))
        self.rows = []


def _plain(obj: Any, *names: str) -> SimpleNamespace:
    return SimpleNamespace(**{name: getattr(obj, name) for name in names})


def _ids(model, rows: list[dict[str, Any]]) -> list[int]:
    """Write `rows` as new `model` rows and return their ids, in order."""
    ids = bulk_writes.allocate_ids(model.__table__, len(rows))
    for row, new_id in zip(rows, ids, strict=True):
        row["id"] = new_id
    bulk_writes.write_rows(model.__table__, rows)
    return ids


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


def generate(count: int, *, seed: int = 2026, now: datetime | None = None) -> int:
    """Create generated employees 1..count that do not exist yet; return how many were created."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    existing = set(
        db.session.scalars(select(User.email).where(User.email.like("person%@staff.example.com")))
    )
    wanted = [i for i in range(1, count + 1) if email_for(i) not in existing]
    if not wanted:
        return 0
    # Plain copies of what every batch needs: ORM objects expire at each commit.
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
    _snapshots(ctx.modules, now)
    db.session.commit()
    for start in range(0, len(wanted), BATCH):
        _batch(wanted[start : start + BATCH], ctx)
        db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics for the planner: right after a bulk load autovacuum has not looked
        # yet, and the 50,000-person export ran three times slower on the stale estimates.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return len(wanted)


def _batch(indexes: list[int], ctx: SimpleNamespace) -> None:
    today = ctx.now.date()
    people = [(person(i, Random(ctx.seed * 1_000_003 + i), today), i) for i in indexes]
    user_rows = [
        {
            "email": p.email,
            "full_name": p.full_name,
            "department": p.department,
            "job_title": p.job_title,
            "start_date": p.start_date,
            "locale": p.locale,
            "role": Role.EMPLOYEE.value,
            "active": p.active,
            "password_hash": ctx.password if p.has_password else None,
            "session_token": secrets.token_urlsafe(16),
            "created_at": p.created_at,
            "updated_at": p.created_at,
            "deactivated_at": None if p.active else ctx.now - timedelta(days=3),
        }
        for p, _i in people
    ]
    user_ids = _ids(User, user_rows)  # takes the write lock before the chain head is read
    chain = _Chain()
    attempts, plans, acks, events = [], [], [], []
    for (p, index), uid in zip(people, user_ids, strict=True):
        rng = Random(ctx.seed * 7_919 + index)
        details = {"role": "employee", "department": p.department}
        chain.add(AuditAction.USER_CREATED, p.created_at, uid, "user", uid, details, actor=False)
        if not p.has_password:
            continue
        set_at = p.created_at + timedelta(hours=2)
        chain.add(AuditAction.AUTH_PASSWORD_SET, set_at, uid, "user", uid, {"via": "demo"})
        at = p.created_at + timedelta(days=7, hours=1)
        skill = 0.8 + rng.random() * 0.3
        done = set()
        for module in learning_plan(ctx.modules, rng, at, ctx.now):
            at += timedelta(days=rng.randint(0, 3), minutes=rng.randint(5, 120))
            at = min(at, ctx.now - timedelta(minutes=5))
            tries = [attempt_row(uid, module, rng, at, skill)]
            while not tries[-1]["passed"]:
                at += timedelta(minutes=10)
                tries.append(attempt_row(uid, module, rng, at, skill + 0.3 * len(tries)))
            attempts.extend(tries)
            plans.append((uid, module, tries[-1], len(attempts) - 1))
            done.add(module.slug)
        if ctx.version and ctx.required <= done and rng.random() < 0.85:
            signed = min(at + timedelta(hours=rng.randint(1, 48)), ctx.now - timedelta(minutes=1))
            acks.append(_ack(uid, p, signed, ctx))
        for event in consent_rows(uid, ctx.purposes, ctx.texts[p.locale], rng, p.start_date, today):
            event.update(holder_name=p.full_name, holder_email=p.email)
            events.append(event)
    _write_learning(attempts, plans, chain)
    _write_evidence(acks, events, chain, ctx)
    chain.flush()


def _ack(uid: int, p: Any, signed: datetime, ctx: SimpleNamespace) -> dict[str, Any]:
    text = ctx.version_texts.get(p.locale) or next(iter(ctx.version_texts.values()))
    row = {
        "user_id": uid,
        "policy_version_id": ctx.version.id,
        "locale": text.locale,
        "text_sha256": text.sha256,
        "statement": ctx.statements[text.locale],
        "typed_name": p.full_name,
        "signed_at": signed,
        "ip": "10.20.0.1",
        "user_agent": USER_AGENT,
        "auth_method": "password",
        "code": signing.codes.new_code(),
    }
    row["signer_name"], row["signer_email"] = p.full_name, p.email
    _seal(policy_evidence.ACKNOWLEDGEMENTS, row)
    return row


SEAL_COLUMNS = ("key_id", "mac", "mac_version", "pii_salt", "pii_digest", "identity_digest")


def _seal(spec: seals.SealSpec, row: dict[str, Any]) -> None:
    """Seal a generated evidence row as the services do (app.evidence.seals)."""
    if spec.uses_mac_version:
        for name, value in {
            "on_behalf": False,
            "recorded_by_id": None,
            "paper_reference": None,
            "attachment_id": None,
        }.items():
            row.setdefault(name, value)
    sealed = SimpleNamespace(**row)
    seals.seal(spec, sealed)
    row.update({name: getattr(sealed, name) for name in SEAL_COLUMNS if hasattr(sealed, name)})


def _named(table: str, row_id: int, row: dict[str, Any]) -> dict[str, Any]:
    return {"sealed": {table: {str(row_id): row["mac"]}}}


def _write_learning(attempts: list[dict], plans: list[tuple], chain: _Chain) -> None:
    for row in attempts:
        _seal(learn_evidence.ATTEMPTS, row)
    attempt_ids = _ids(QuizAttempt, attempts)
    for row, attempt_id in zip(attempts, attempt_ids, strict=True):
        chain.add(
            AuditAction.QUIZ_SUBMITTED,
            row["submitted_at"],
            row["user_id"],
            "quiz_attempt",
            attempt_id,
            {
                "module": row["module_slug"],
                "quiz_hash": row["quiz_hash"],
                "material_version": row["material_version"],
                "score": row["score"],
                "max_score": row["max_score"],
                "percent": row["percent"],
                "passed": row["passed"],
                **_named("quiz_attempt", attempt_id, row),
            },
        )
    completions, progress_rows = [], []
    for uid, module, last, position in plans:
        at = last["submitted_at"]
        completions.append(
            {
                "user_id": uid,
                "module_slug": module.slug,
                "material_version": module.material_version,
                "content_hash": module.content_hash,
                "score": last["percent"],
                "attempt_id": attempt_ids[position],
                "completed_at": at,
            }
        )
        progress_rows.append(
            {
                "user_id": uid,
                "module_slug": module.slug,
                "content_hash": module.content_hash,
                "material_version": module.material_version,
                "current_step": module.step_count - 1,
                "steps_seen": list(range(module.step_count)),
                "started_at": at - timedelta(minutes=10),
                "updated_at": at,
                "steps_completed_at": at - timedelta(minutes=5),
            }
        )
    for row in completions:
        _seal(learn_evidence.COMPLETIONS, row)
    completion_ids = _ids(ModuleCompletion, completions)
    for row, completion_id in zip(completions, completion_ids, strict=True):
        chain.add(
            AuditAction.MODULE_COMPLETED,
            row["completed_at"],
            row["user_id"],
            "module_completion",
            completion_id,
            {
                "module": row["module_slug"],
                "material_version": row["material_version"],
                "content_hash": row["content_hash"],
                "score": row["score"],
                "attempt_id": row["attempt_id"],
                **_named("module_completion", completion_id, row),
            },
        )
    if progress_rows:
        bulk_writes.write_rows(ModuleProgress.__table__, progress_rows)


def _write_evidence(acks: list[dict], events: list[dict], chain: _Chain, ctx) -> None:
    for row, ack_id in zip(acks, _ids(Acknowledgement, acks), strict=True):
        chain.add(
            AuditAction.POLICY_SIGNED,
            row["signed_at"],
            row["user_id"],
            "acknowledgement",
            ack_id,
            {
                "version": ctx.version.version,
                "locale": row["locale"],
                "text_sha256": row["text_sha256"],
                "code": row["code"],
                "mac": row["mac"],
                **_named("acknowledgement", ack_id, row),
            },
        )
    for row in events:
        _seal(consent_evidence.EVENTS, row)
    for row, event_id in zip(events, _ids(ConsentEvent, events), strict=True):
        chain.add(
            DECISION_ACTIONS[row["decision"]],
            row["recorded_at"],
            row["user_id"],
            "consent_event",
            event_id,
            {
                "purpose_id": row["purpose_id"],
                "medium": row["medium"],
                "valid_until": row["valid_until"].isoformat() if row["valid_until"] else None,
                "text_version": row["text_version"],
                "text_sha256": row["text_sha256"],
                "on_behalf": False,
                "paper_reference": None,
                "mac": row["mac"],
                **_named("consent_event", event_id, row),
            },
        )
