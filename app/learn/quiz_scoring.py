"""Quiz scoring as pure functions: per-question scores in [0, 1], totals, percent, pass/fail."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class QuizResult:
    """The outcome of one submission."""

    scores: dict[str, float]
    total: float
    max_score: int
    percent: int
    passed: bool


def question_score(
    kind: str, correct: Collection[str], selected: Collection[str], scoring: str | None = None
) -> float:
    """Score one question between 0 and 1 (order of the selection never matters)."""
    right, picked = set(correct), set(selected)
    if kind != "multiple":
        return 1.0 if picked == right and len(picked) == 1 else 0.0
    if scoring == "partial":
        hits = len(picked & right)
        misses = len(picked - right)
        return max(0.0, (hits - misses) / len(right))
    return 1.0 if picked == right else 0.0


def percent_of(total: float, max_score: int) -> int:
    """round(100 * total / max), halves rounded up (no banker's rounding on a learner's score)."""
    if max_score <= 0:
        return 0
    return min(100, math.floor(100 * total / max_score + 0.5 + 1e-9))


def score_quiz(
    questions: Sequence[Mapping[str, Any]],
    answers: Mapping[str, Collection[str]],
    pass_mark: int,
) -> QuizResult:
    """Score every question of a quiz definition against the learner's answers."""
    scores = {
        q["id"]: question_score(q["type"], q["correct"], answers.get(q["id"], ()), q.get("scoring"))
        for q in questions
    }
    total = sum(scores.values())
    max_score = len(questions)
    percent = percent_of(total, max_score)
    return QuizResult(scores, total, max_score, percent, percent >= pass_mark)
