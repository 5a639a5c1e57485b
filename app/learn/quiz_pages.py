"""What the quiz and result pages show, built from an attempt's snapshot in its shuffled order.

Answers and explanations are shown only once an attempt is passed: after a failure the
questions may come back in a later draw, so the page names the policy sections missed and links
to the module steps that teach them instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from flask import render_template, request, url_for
from markupsafe import Markup

from app.core import typography
from app.learn.content import catalog
from app.learn.content.types import Module, PolicyOutline
from app.learn.quiz_scoring import question_score
from app.web import fragments

if TYPE_CHECKING:
    from app.learn.player import Attempt


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


@dataclass(frozen=True)
class MissedConcept:
    """A policy section a failed attempt got wrong, with the module step that teaches it."""

    title: str
    url: str | None


def _text(value, locale: str, variables: dict[str, str]) -> str:
    return typography.for_locale(catalog.localised(value, locale, variables), locale)


def _question_view(
    attempt: Attempt,
    q: dict,
    number: int,
    locale: str,
    variables: dict[str, str],
) -> QuestionView:
    qid = q["id"]
    texts = {c["id"]: c["text"] for c in q["choices"]}
    picked = set((attempt.answers or {}).get(qid, []))
    done = attempt.submitted and bool(attempt.passed)
    choices = tuple(
        ChoiceView(
            id=cid,
            text=_text(texts[cid], locale, variables),
            selected=cid in picked,
            correct=(cid in q["correct"]) if done else None,
        )
        for cid in attempt.choice_order[qid]
    )
    return QuestionView(
        id=qid,
        number=number,
        kind=q["type"],
        prompt=_text(q["prompt"], locale, variables),
        scenario=_text(q.get("scenario"), locale, variables),
        partial=q.get("scoring") == "partial",
        choices=choices,
        explanation=_text(q["explanation"], locale, variables) if done else None,
        score=question_score(q["type"], q["correct"], picked, q.get("scoring")) if done else None,
    )


def questions_for(
    attempt: Attempt, definition: dict, locale: str, variables: dict[str, str]
) -> list[QuestionView]:
    """The attempt's questions in its recorded order; answers revealed only once passed."""
    by_id = {q["id"]: q for q in definition["questions"]}
    return [
        _question_view(attempt, by_id[qid], number, locale, variables)
        for number, qid in enumerate(attempt.question_order, start=1)
    ]


def open_question_html(
    attempt: Attempt,
    definition: dict,
    locale: str,
    variables: dict[str, str],
    selected: dict[str, list[str]],
) -> list[Markup]:
    """The open attempt's questions as HTML (learn/_question.html), in its recorded order.

    A first view shows nothing personal: each question is drawn once per process for its quiz
    version, place, order of choices, language and organisation values, and kept
    (app/web/fragments.py); every attempt that draws it there in that order shares it. A form
    sent back incomplete shows the person's own choices and is drawn afresh.
    """
    by_id = {q["id"]: q for q in definition["questions"]}

    def draw(qid: str, number: int) -> str:
        view = _question_view(attempt, by_id[qid], number, locale, variables)
        return render_template("learn/_question.html", q=view, selected=selected)

    if selected:
        return [
            Markup(draw(qid, number))  # noqa: S704  # nosec B704 - an autoescaped template
            for number, qid in enumerate(attempt.question_order, start=1)
        ]
    filled = tuple(sorted(variables.items()))
    return [
        fragments.kept(
            "open_question",
            (
                attempt.quiz_hash,
                qid,
                number,
                tuple(attempt.choice_order[qid]),
                locale,
                filled,
                request.script_root,
            ),  # fmt: skip
            partial(draw, qid, number),
        )
        for number, qid in enumerate(attempt.question_order, start=1)
    ]


def _teacher(section: str, module: Module | None, others: Sequence[Module]) -> Module | None:
    for candidate in (module, *others):
        if candidate is not None and candidate.teaches.get(section):
            return candidate
    return None


def missed_concepts(
    attempt: Attempt,
    definition: dict,
    module: Module | None,
    policy: PolicyOutline | None,
    locale: str,
    variables: dict[str, str],
    others: Sequence[Module] = (),
) -> list[MissedConcept]:
    """The policy sections of the questions a submitted attempt got wrong, in policy order.

    Each links to the first step of this module that teaches it, else of another module
    (`others`), else nothing. Questions without `sections:` name nothing.
    """
    if not attempt.submitted:
        return []
    by_id = {q["id"]: q for q in definition["questions"]}
    answers = attempt.answers or {}
    sections: list[str] = []
    for qid in attempt.question_order:
        q = by_id[qid]
        score = question_score(q["type"], q["correct"], answers.get(qid, ()), q.get("scoring"))
        if score < 1:
            sections.extend(s for s in q.get("sections") or () if s not in sections)
    if policy is not None:
        order = {s: i for i, s in enumerate(policy.ids)}
        sections.sort(key=lambda s: order.get(s, len(order)))
    concepts = []
    for section in sections:
        title = policy.title(section, locale) if policy else section
        teacher = _teacher(section, module, others)
        url = (
            url_for("learn.step", slug=teacher.slug, number=teacher.teaches[section][0])
            if teacher
            else None
        )
        concepts.append(
            MissedConcept(typography.for_locale(catalog.fill(title, variables), locale), url)
        )
    return concepts
