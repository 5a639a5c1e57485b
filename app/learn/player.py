"""The module player's rules: steps seen, resume point, quiz attempts, scoring and completion."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app.core import audit, hooks, process_cache, statements
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.learn import evidence, progress
from app.learn.content.types import Module
from app.learn.quiz_draw import draw_questions
from app.learn.quiz_scoring import score_quiz
from app.models.learning import ModuleCompletion, ModuleProgress, QuizAttempt, QuizSnapshot
from app.models.types import utcnow
from app.models.user import User


class LearningError(Exception):
    """A step the learner cannot take yet (e.g. the quiz before the last step)."""


@dataclass(frozen=True)
class StepPosition:
    """What the player needs to draw a step: where the learner is and what they have seen."""

    index: int
    seen: frozenset[int]
    all_seen: bool


def _progress(user: User, module: Module) -> ModuleProgress | None:
    return db.session.scalar(
        select(ModuleProgress).where(
            ModuleProgress.user_id == user.id, ModuleProgress.module_slug == module.slug
        )
    )


def _is_current(row: ModuleProgress | None, module: Module) -> bool:
    return row is not None and row.material_version == module.material_version


def _all_seen(seen: set[int] | frozenset[int], module: Module) -> bool:
    return set(range(module.step_count)) <= set(seen)


def position(user: User, module: Module) -> StepPosition:
    """Where to resume: the saved step at this material version, else the first step."""
    row = _progress(user, module)
    if not _is_current(row, module):
        return StepPosition(0, frozenset(), False)
    seen = frozenset(i for i in row.steps_seen if 0 <= i < module.step_count)
    index = min(max(row.current_step, 0), module.step_count - 1)
    return StepPosition(index, seen, _all_seen(seen, module))


def record_step(
    user: User, module: Module, seen_index: int, go_to: int, now: datetime | None = None
) -> StepPosition:
    """Note that step `seen_index` was read and that the learner moves to `go_to` (commits)."""
    now = now or utcnow()
    row = _progress(user, module)
    if row is None:
        row = ModuleProgress(user_id=user.id, module_slug=module.slug, started_at=now)
        db.session.add(row)
    if not _is_current(row, module):
        # A new material version starts the module over; the old completion stays as it was.
        row.material_version = module.material_version
        row.steps_seen = []
        row.started_at = now
        row.steps_completed_at = None
    seen = set(row.steps_seen or [])
    if 0 <= seen_index < module.step_count:
        seen.add(seen_index)
    row.steps_seen = sorted(seen)  # a new list, so the JSON column is marked changed
    row.current_step = min(max(go_to, 0), module.step_count - 1)
    row.content_hash = module.content_hash
    row.updated_at = now
    if row.steps_completed_at is None and _all_seen(seen, module):
        row.steps_completed_at = now
    db.session.commit()
    return StepPosition(row.current_step, frozenset(seen), _all_seen(seen, module))


def start_again(user: User, module: Module, now: datetime | None = None) -> None:
    """Start a new pass through a module: steps unread again, past completions untouched."""
    now = now or utcnow()
    row = _progress(user, module)
    if row is None or not _is_current(row, module):
        return
    row.steps_seen = []
    row.current_step = 0
    row.started_at = now
    row.updated_at = now
    row.steps_completed_at = None
    db.session.commit()


def _snapshot(module: Module, now: datetime) -> QuizSnapshot:
    quiz = module.quiz
    found = db.session.get(QuizSnapshot, quiz.content_hash)
    if found:
        return found
    snapshot = QuizSnapshot(
        content_hash=quiz.content_hash,
        module_slug=module.slug,
        material_version=quiz.material_version,
        definition=quiz.definition,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(snapshot)
    except IntegrityError:  # another request stored the same version first: same content
        return db.session.get(QuizSnapshot, quiz.content_hash)
    return snapshot


def start_attempt(
    user: User, module: Module, rng: random.Random | None = None, now: datetime | None = None
) -> QuizAttempt:
    """The learner's open attempt at the current quiz, or a new one with a fresh shuffle."""
    now = now or utcnow()
    if not position(user, module).all_seen:
        raise LearningError("steps not all seen")
    snapshot = _snapshot(module, now)
    open_attempt = db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user.id,
            QuizAttempt.module_slug == module.slug,
            QuizAttempt.quiz_hash == snapshot.content_hash,
            QuizAttempt.submitted_at.is_(None),
        )
    )
    if open_attempt:
        db.session.commit()
        return open_attempt
    token = secrets.token_urlsafe(32)
    # Seeded per attempt by its own token: the draw can be replayed from the stored row, and the
    # questions drawn are stored (question_order) and sealed with the answers on submission.
    rng = rng or random.Random(token)
    questions = snapshot.definition["questions"]
    order = draw_questions(
        questions, snapshot.definition.get("draw"), rng, _earlier_sets(user, module)
    )
    choices = {}
    for question in questions:
        if question["id"] not in order:
            continue
        ids = [c["id"] for c in question["choices"]]
        if question["type"] != "true_false":  # "true" before "false" reads naturally
            rng.shuffle(ids)
        choices[question["id"]] = ids
    attempt = QuizAttempt(
        token=token,
        user_id=user.id,
        module_slug=module.slug,
        quiz_hash=snapshot.content_hash,
        material_version=module.material_version,
        question_order=order,
        choice_order=choices,
        max_score=len(order),
        started_at=now,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


@dataclass(frozen=True)
class Snapshot:
    """A quiz snapshot as read (the rows never change: kept per process, see process_cache).
    Its `definition` is shared: read it, never change it."""

    content_hash: str
    module_slug: str
    material_version: int
    definition: dict[str, Any]


def _earlier_sets(user: User, module: Module) -> list[list[str]]:
    """The question sets of the learner's earlier attempts at this module, oldest first."""
    return list(
        db.session.scalars(
            select(QuizAttempt.question_order)
            .where(QuizAttempt.user_id == user.id, QuizAttempt.module_slug == module.slug)
            .order_by(QuizAttempt.id)
        )
    )


class AttemptRecord(NamedTuple):
    """A quiz attempt as its page and its submission read it: a plain row, not an ORM object
    (loading the ORM object was about a fifth of the quiz page's time). Read-only; the columns
    the submission writes are the caller's to read again."""

    id: int
    token: str
    user_id: int
    module_slug: str
    quiz_hash: str
    material_version: int
    question_order: list[str]
    choice_order: dict[str, list[str]]
    answers: dict[str, list[str]] | None
    score: float | None
    max_score: int
    percent: int | None
    passed: bool | None
    started_at: datetime
    submitted_at: datetime | None

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


# An attempt as the player reads it: the ORM object (started here, tests) or its plain row.
Attempt = QuizAttempt | AttemptRecord

_ATTEMPT_BY_ID = select(
    *(QuizAttempt.__table__.c[name] for name in AttemptRecord._fields)  # type: ignore[attr-defined]
).where(QuizAttempt.__table__.c.id == bindparam("attempt_id"))  # type: ignore[attr-defined]


def attempt_record(attempt_id: int) -> AttemptRecord | None:
    """The attempt with this id, as a plain row (one statement, built once)."""
    row = statements.execute(_ATTEMPT_BY_ID, {"attempt_id": attempt_id}).first()
    return AttemptRecord._make(row) if row is not None else None


def attempt_questions(attempt: Attempt, definition: dict) -> list[dict]:
    """The questions the attempt shows (its draw), in the definition's order."""
    drawn = set(attempt.question_order)
    return [q for q in definition["questions"] if q["id"] in drawn]


def snapshot_of(attempt: Attempt) -> Snapshot:
    """The quiz definition the attempt was started with (an attempt cannot exist without it:
    the snapshot row is written first and never deleted)."""

    def load() -> Snapshot:
        row = db.session.get(QuizSnapshot, attempt.quiz_hash)
        if row is None:
            raise LookupError(
                f"quiz snapshot {attempt.quiz_hash} of attempt {attempt.id} is missing"
            )
        return Snapshot(row.content_hash, row.module_slug, row.material_version, row.definition)

    found = process_cache.immutable(f"quiz_snapshot:{attempt.quiz_hash}", load)
    assert found is not None  # load() never returns None
    return found


# The submission's UPDATE (built once: see submit_attempt). On the table, not the model: the
# ORM's bulk-update path would only find that there is nothing in the session to synchronise.
_ATTEMPTS = QuizAttempt.__table__
_CLAIM = (
    update(_ATTEMPTS)
    .where(_ATTEMPTS.c.id == bindparam("attempt_id"), _ATTEMPTS.c.submitted_at.is_(None))
    .values(
        {
            name: bindparam(name)
            for name in ("answers", "score", "percent", "passed", "submitted_at", "key_id", "mac")
        }
    )
)


def submit_attempt(
    user: User,
    attempt: Attempt,
    token: str,
    answers: dict[str, list[str]],
    module: Module | None,
    client: ClientInfo,
    now: datetime | None = None,
) -> bool:
    """Score and record the attempt once; False when it was already submitted (nothing changes)."""
    now = now or utcnow()
    if not secrets.compare_digest(token or "", attempt.token):
        raise LearningError("attempt token mismatch")
    if attempt.submitted:
        return False
    definition = snapshot_of(attempt).definition
    shown = attempt_questions(attempt, definition)
    valid = {q["id"]: {c["id"] for c in q["choices"]} for q in shown}
    kept = {qid: sorted(set(answers.get(qid, [])) & ids) for qid, ids in valid.items()}
    result = score_quiz(shown, kept, definition["pass_mark"])
    # The row as it will be once submitted, sealed before the one UPDATE that writes it.
    sealed = SimpleNamespace(
        id=attempt.id,
        user_id=attempt.user_id,
        module_slug=attempt.module_slug,
        quiz_hash=attempt.quiz_hash,
        material_version=attempt.material_version,
        question_order=attempt.question_order,
        choice_order=attempt.choice_order,
        answers=kept,
        score=result.total,
        max_score=attempt.max_score,
        percent=result.percent,
        passed=result.passed,
        started_at=attempt.started_at,
        submitted_at=now,
    )
    seals.seal(evidence.ATTEMPTS, sealed)
    # The conditional update is the idempotency guard: of two concurrent submissions of the
    # same attempt (double click, two tabs) exactly one finds submitted_at still empty.
    claimed = statements.execute(
        _CLAIM,
        {
            "attempt_id": attempt.id,
            "answers": kept,
            "score": result.total,
            "percent": result.percent,
            "passed": result.passed,
            "submitted_at": now,
            "key_id": sealed.key_id,
            "mac": sealed.mac,
        },
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        if isinstance(attempt, QuizAttempt):
            db.session.refresh(attempt)
        return False
    entries = [
        audit.Entry(
            AuditAction.QUIZ_SUBMITTED,
            actor=user,
            subject=user,
            target_type="quiz_attempt",
            target_id=attempt.id,
            details={
                "module": attempt.module_slug,
                "quiz_hash": attempt.quiz_hash,
                "material_version": attempt.material_version,
                "score": result.total,
                "max_score": result.max_score,
                "percent": result.percent,
                "passed": result.passed,
                **seals.sealed_details((evidence.ATTEMPTS, [sealed])),
            },
            client=client,
        )
    ]
    completed = None
    if result.passed and module is not None:
        completed = _complete(user, attempt, module, result.percent, client, now, entries)
    completion = completed[0] if completed else None
    if completion is not None:
        # The module's certificate joins this transaction (its receiver adds rows and entries).
        hooks.module_completed.emit(user=user, completion=completion, entries=entries)
    # One transaction: the submission, the completion, its certificate and their audit entries.
    # The chain lock is taken last, right before the commit, so other evidence writers wait the
    # least.
    audit.record_many(entries)
    session = db.session()
    # The caller's objects (the person, the attempt, the completion) stay loaded across this
    # commit: the hooks below read them, and reloading each was a round trip.
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = keep
    if isinstance(attempt, QuizAttempt):
        _record_submission(attempt, sealed)
    if completed is not None:
        _announce(user, *completed, module)
    return True


def _record_submission(attempt: QuizAttempt, sealed: SimpleNamespace) -> None:
    """Give the loaded attempt the values the UPDATE wrote (it bypassed the session), as
    committed: the object then reads as a fresh load would, without a round trip."""
    for name in ("answers", "score", "percent", "passed", "submitted_at", "key_id", "mac"):
        set_committed_value(attempt, name, getattr(sealed, name))


def _progress_locked(user: User) -> dict[str, Any]:
    """The person's progress rows by module (material version, steps seen, content hash),
    locked until the commit on PostgreSQL: two passing submissions of one person's quizzes are
    then recorded one after the other, and the later one reads the earlier one's completion
    (the programme is found complete whichever of its last two modules is submitted first).
    SQLite runs writing requests one at a time already (BEGIN IMMEDIATE, app/database.py)."""
    rows = statements.execute(_PROGRESS_LOCKED, {"user_id": user.id})
    return {row.module_slug: row for row in rows}


_PROGRESS_LOCKED = (
    select(
        ModuleProgress.module_slug,
        ModuleProgress.material_version,
        ModuleProgress.steps_seen,
        ModuleProgress.content_hash,
    )
    .where(ModuleProgress.user_id == bindparam("user_id"))
    .with_for_update(key_share=True)
)


def _complete(
    user: User,
    attempt: Attempt,
    module: Module,
    percent: int,
    client: ClientInfo,
    now: datetime,
    entries: list[audit.Entry],
) -> tuple[ModuleCompletion, list[Any]] | None:
    """Record the module's completion in the submission's transaction: the completion and the
    person's completions, this one included (None: steps unread, or completed before)."""
    row = _progress_locked(user).get(module.slug)
    if row is None or row.material_version != attempt.material_version:
        return None
    if not _all_seen(set(row.steps_seen), module):
        return None
    done = progress.completions_by_user([user.id]).get(user.id, [])
    if any(
        c.module_slug == module.slug and c.material_version == attempt.material_version
        for c in done
    ):
        return None
    completion = ModuleCompletion(
        user_id=user.id,
        module_slug=module.slug,
        material_version=attempt.material_version,
        content_hash=row.content_hash,
        score=percent,
        attempt_id=attempt.id,
        completed_at=now,
    )
    seals.seal(evidence.COMPLETIONS, completion)
    # (Should another writer have recorded it meanwhile, that completion stays the record.)
    if not statements.insert_new(completion):
        return None
    entries.append(
        audit.Entry(
            AuditAction.MODULE_COMPLETED,
            actor=user,
            subject=user,
            target_type="module_completion",
            target_id=completion.id,
            details={
                "module": module.slug,
                "material_version": completion.material_version,
                "content_hash": completion.content_hash,
                "score": percent,
                "attempt_id": attempt.id,
                **seals.sealed_details((evidence.COMPLETIONS, [completion])),
            },
            client=client,
        )
    )
    return completion, [*done, completion]


def _announce(
    user: User, completion: ModuleCompletion, completions: list[Any], module: Module
) -> None:
    # `completions` were read in the committed transaction, under the lock of _progress_locked:
    # they are the person's as they stand now, without reading them again.
    placed = progress.placed_modules()
    item = next((p for p in placed if p.module.slug == module.slug), None)
    current = completion.material_version == module.material_version
    if item and item.required and current:
        status = progress.programme_status([user], {user.id: completions}, placed)[user.id]
        if status.done:
            hooks.programme_completed.emit(
                user=user, completion=completion, completed_at=status.completed_at
            )
