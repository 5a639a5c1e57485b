"""What the quiz and result pages show, built from an attempt's snapshot in its shuffled order."""

from __future__ import annotations

from dataclasses import dataclass

from app.learn.content import catalog
from app.learn.quiz_scoring import question_score
from app.models.learning import QuizAttempt


@dataclass(frozen=True)
class ChoiceView:
    """One choice; `correct` stays None until the attempt is submitted."""

    id: str
    text: str
    selected: bool
    correct: bool | None


@dataclass(frozen=True)
class QuestionView:
    """One question as shown; explanation and score stay None until submission."""

    id: str
    number: int
    kind: str
    prompt: str
    scenario: str
    partial: bool
    choices: tuple[ChoiceView, ...]
    explanation: str | None
    score: float | None

    @property
    def multiple(self) -> bool:
        return self.kind == "multiple"


def questions_for(
    attempt: QuizAttempt, definition: dict, locale: str, variables: dict[str, str]
) -> list[QuestionView]:
    """The attempt's questions in its recorded order; answers revealed only once submitted."""
    by_id = {q["id"]: q for q in definition["questions"]}
    answers = attempt.answers or {}
    done = attempt.submitted
    views = []
    for number, qid in enumerate(attempt.question_order, start=1):
        q = by_id[qid]
        texts = {c["id"]: c["text"] for c in q["choices"]}
        picked = set(answers.get(qid, []))
        choices = tuple(
            ChoiceView(
                id=cid,
                text=catalog.localised(texts[cid], locale, variables),
                selected=cid in picked,
                correct=(cid in q["correct"]) if done else None,
            )
            for cid in attempt.choice_order[qid]
        )
        views.append(
            QuestionView(
                id=qid,
                number=number,
                kind=q["type"],
                prompt=catalog.localised(q["prompt"], locale, variables),
                scenario=catalog.localised(q.get("scenario"), locale, variables),
                partial=q.get("scoring") == "partial",
                choices=choices,
                explanation=catalog.localised(q["explanation"], locale, variables)
                if done
                else None,
                score=question_score(q["type"], q["correct"], picked, q.get("scoring"))
                if done
                else None,
            )
        )
    return views
