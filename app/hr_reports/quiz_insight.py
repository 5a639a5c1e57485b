"""Which quiz questions people get wrong: the share of first attempts that missed each question.

A first attempt is each person's earliest submitted attempt at a module's quiz. The database
picks them (MIN(id) per person and module: attempts are numbered as they start, and a person has
one open attempt at a time); their answers are streamed in batches and scored here with the
quiz's own rules against the exact definition the person answered (its snapshot). A question
counts as missed when it did not earn its full point. Two queries whatever the volume.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from app.extensions import db
from app.learn.content import catalog
from app.learn.quiz_scoring import question_score
from app.models.learning import QuizAttempt, QuizSnapshot


@dataclass(frozen=True)
class QuestionInsight:
    """One question: how many first attempts answered it and how many missed it."""

    module_slug: str
    module_title: str
    question_id: str
    prompt: str
    answered: int
    missed: int

    @property
    def missed_rate(self) -> int:
        return round(100 * self.missed / self.answered) if self.answered else 0


def _localised(value, locale: str) -> str:
    if isinstance(value, dict):
        return value.get(locale) or next(iter(value.values()), "")
    return str(value or "")


def insight(locale: str) -> list[QuestionInsight]:
    """Every question answered in a first attempt, most-missed share first."""
    snapshots = {
        s.content_hash: {q["id"]: q for q in s.definition["questions"]}
        for s in db.session.scalars(select(QuizSnapshot))
    }
    first = (
        select(func.min(QuizAttempt.id))
        .where(QuizAttempt.submitted_at.is_not(None))
        .group_by(QuizAttempt.user_id, QuizAttempt.module_slug)
    )
    answered: Counter[tuple[str, str]] = Counter()
    missed: Counter[tuple[str, str]] = Counter()
    prompts: dict[tuple[str, str], str] = {}
    rows = db.session.execute(
        select(QuizAttempt.module_slug, QuizAttempt.quiz_hash, QuizAttempt.answers)
        .where(QuizAttempt.id.in_(first.scalar_subquery()))
        .execution_options(yield_per=2000)
    )
    for slug, quiz_hash, answers in rows:
        for qid, question in snapshots.get(quiz_hash, {}).items():
            if answers is not None and qid not in answers:
                continue  # not drawn for this attempt (a quiz with `draw:` shows part of its pool)
            key = (slug, qid)
            answered[key] += 1
            prompts.setdefault(key, _localised(question.get("prompt"), locale))
            score = question_score(
                question["type"],
                question["correct"],
                (answers or {}).get(qid, ()),
                question.get("scoring"),
            )
            missed[key] += score < 1
    modules = {m.slug: m for m in catalog.catalog().modules}
    current = {
        (m.slug, q["id"]): _localised(q.get("prompt"), locale)
        for m in modules.values()
        for q in m.quiz.definition["questions"]
    }
    result = [
        QuestionInsight(
            module_slug=slug,
            module_title=modules[slug].text(locale).title if slug in modules else slug,
            question_id=qid,
            prompt=current.get((slug, qid), prompts[(slug, qid)]),
            answered=answered[(slug, qid)],
            missed=missed[(slug, qid)],
        )
        for slug, qid in answered
    ]
    return sorted(result, key=lambda q: (-q.missed / q.answered, -q.missed, q.module_slug))
