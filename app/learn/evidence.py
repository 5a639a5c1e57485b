"""Seals on the learning record behind every certificate (quiz attempts, module completions) and
on the module, quiz and consent files published from the browser.

An attempt is sealed once, when it is submitted (score and pass included); a completion when it
is recorded. Both are named in their audit entries, which also repeat the score, so a failed
attempt raised to 100 and marked passed is reported by `flask audit verify`.
"""

from __future__ import annotations

import hashlib
from datetime import UTC

from app.core.audit_actions import AuditAction
from app.evidence import seals
from app.models.learning import ModuleCompletion, PublishedContentFile, QuizAttempt


def _attempt_fields(attempt) -> dict:
    return {
        "user_id": attempt.user_id,
        "module_slug": attempt.module_slug,
        "quiz_hash": attempt.quiz_hash,
        "material_version": attempt.material_version,
        "question_order": attempt.question_order,
        "choice_order": attempt.choice_order,
        "answers": attempt.answers,
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "started_at": attempt.started_at.astimezone(UTC).isoformat(),
        "submitted_at": attempt.submitted_at.astimezone(UTC).isoformat(),
    }


ATTEMPTS = seals.SealSpec(
    model=QuizAttempt,
    label="quiz attempt",
    plural="quiz attempts",
    purpose="quiz-attempt",
    fields=_attempt_fields,
    actions=(AuditAction.QUIZ_SUBMITTED.value,),
    target_type="quiz_attempt",
    echo=("score", "percent", "passed"),
    only=QuizAttempt.submitted_at.is_not(None),
)


def _completion_fields(completion) -> dict:
    return {
        "user_id": completion.user_id,
        "module_slug": completion.module_slug,
        "material_version": completion.material_version,
        "content_hash": completion.content_hash,
        "score": completion.score,
        "attempt_id": completion.attempt_id,
        "completed_at": completion.completed_at.astimezone(UTC).isoformat(),
    }


COMPLETIONS = seals.SealSpec(
    model=ModuleCompletion,
    label="module completion",
    plural="module completions",
    purpose="module-completion",
    fields=_completion_fields,
    actions=(AuditAction.MODULE_COMPLETED.value,),
    target_type="module_completion",
    echo=("score", "attempt_id"),
)


def _published_fields(row) -> dict:
    return {
        "path": row.path,
        "text": row.text,
        "sha256": row.sha256,
        "draft_id": row.draft_id,
        "published_by_id": row.published_by_id,
        "published_at": row.published_at.astimezone(UTC).isoformat(),
    }


def _published_digest_problem(row) -> str | None:
    if hashlib.sha256(row.text.encode()).hexdigest() != row.sha256:
        return "text altered (SHA-256 mismatch)"
    return None


PUBLISHED_FILES = seals.SealSpec(
    model=PublishedContentFile,
    label="published content file",
    plural="published content files",
    purpose="published-content-file",
    fields=_published_fields,
    row_check=_published_digest_problem,
)
