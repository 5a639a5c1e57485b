"""Cue-only strategies on a quiz: what a learner scores without reading the module.

A pure function of a quiz definition (the JSON-ready form kept with attempts), so that
`flask content check` and an in-browser editor can run it on any quiz, shipped or customer-made.

Strategies, each applied to every question (chance where it says nothing):
- longest: the longest option (ties split evenly); on multiple-answer items, that option alone;
- false: "false" on true/false items;
- tick-all: every box on multiple-answer items;
- first: the first option as written in the file (true/false items are shown in that order);
- best-mix: per question type, whichever of the above pays most.
Scores are expected percentages over the attempts a learner can get (the draw, when the quiz
has one), computed on each locale; the worse locale counts.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.learn.quiz_draw import draw_questions
from app.learn.quiz_scoring import percent_of, question_score

STRATEGIES = ("longest", "false", "tick-all", "first")
SAMPLES = 400  # simulated draws per quiz when it has `draw`
LOCALES = ("fr", "en")

Question = Mapping[str, Any]


def _score(q: Question, picked: set[str]) -> float:
    return question_score(q["type"], q["correct"], picked, q.get("scoring"))


def _chance(q: Question) -> float:
    """The expected score of ticking one option at random."""
    ids = [c["id"] for c in q["choices"]]
    return sum(_score(q, {c}) for c in ids) / len(ids)


def _text(choice: Mapping[str, Any], locale: str) -> str:
    text = choice["text"]
    return str(text.get(locale) or text.get("fr") or "") if isinstance(text, dict) else str(text)


def _longest(q: Question, locale: str) -> float:
    lengths = {c["id"]: len(_text(c, locale).strip()) for c in q["choices"]}
    top = max(lengths.values())
    tied = [cid for cid, length in lengths.items() if length == top]
    return sum(_score(q, {cid}) for cid in tied) / len(tied)


def _false(q: Question, locale: str) -> float:
    return _score(q, {"false"}) if q["type"] == "true_false" else _chance(q)


def _tick_all(q: Question, locale: str) -> float:
    if q["type"] != "multiple":
        return _chance(q)
    return _score(q, {c["id"] for c in q["choices"]})


def _first(q: Question, locale: str) -> float:
    return _score(q, {q["choices"][0]["id"]})


PER_QUESTION: dict[str, Callable[[Question, str], float]] = {
    "longest": _longest,
    "false": _false,
    "tick-all": _tick_all,
    "first": _first,
}


@dataclass(frozen=True)
class CueReport:
    """What a reader of no module scores on one quiz, and the cues that explain it."""

    pass_mark: int
    scores: dict[str, float]  # strategy (and "best-mix") → expected percent, worse locale
    best_mix: dict[str, str]  # question type → the strategy the mix uses for it
    longest_is_correct: dict[str, tuple[int, int]]  # locale → (items, items keyed longest)
    true_false: tuple[int, int]  # (items keyed "true", items keyed "false")

    @property
    def best(self) -> tuple[str, float]:
        """The strategy that scores most, with its expected percent."""
        name = max(self.scores, key=lambda k: self.scores[k])
        return name, self.scores[name]

    @property
    def passes(self) -> bool:
        """True when some cue-only strategy is expected to reach the pass mark."""
        return self.best[1] >= self.pass_mark


def _samples(definition: Mapping[str, Any]) -> list[list[str]]:
    questions = definition["questions"]
    draw = definition.get("draw")
    if not draw or draw >= len(questions):
        return [[q["id"] for q in questions]]
    rng = random.Random(0)  # reproducible: the same report for the same file
    return [draw_questions(questions, draw, rng) for _ in range(SAMPLES)]


def _expected(samples: list[list[str]], per_question: Mapping[str, float]) -> float:
    total = sum(sum(per_question[qid] for qid in ids) / len(ids) for ids in samples)
    return round(100 * total / len(samples), 1)


def simulate(definition: Mapping[str, Any]) -> CueReport:
    """Run every cue-only strategy and their best mix on a quiz definition."""
    questions: Sequence[Question] = definition["questions"]
    samples = _samples(definition)
    weight = {q["id"]: 0 for q in questions}
    for ids in samples:
        for qid in ids:
            weight[qid] += 1
    scores: dict[str, float] = {}
    mixes: dict[str, dict[str, str]] = {}
    mix_scores: dict[str, float] = {}
    for locale in LOCALES:
        table = {
            name: {q["id"]: fn(q, locale) for q in questions} for name, fn in PER_QUESTION.items()
        }
        for name, per_question in table.items():
            scores[name] = max(scores.get(name, 0.0), _expected(samples, per_question))
        mix: dict[str, str] = {}
        for kind in sorted({q["type"] for q in questions}):
            of_kind = [q["id"] for q in questions if q["type"] == kind]
            mix[kind] = max(STRATEGIES, key=lambda n: sum(weight[i] * table[n][i] for i in of_kind))
        mixed = {q["id"]: table[mix[q["type"]]][q["id"]] for q in questions}
        mix_scores[locale] = _expected(samples, mixed)
        mixes[locale] = mix
    worst = max(mix_scores, key=lambda loc: mix_scores[loc])
    scores["best-mix"] = max(mix_scores[worst], *(scores[n] for n in STRATEGIES))
    return CueReport(
        pass_mark=int(definition["pass_mark"]),
        scores=scores,
        best_mix=mixes[worst],
        longest_is_correct={loc: _longest_rate(questions, loc) for loc in LOCALES},
        true_false=_true_false(questions),
    )


def _longest_rate(questions: Sequence[Question], locale: str) -> tuple[int, int]:
    items = keyed = 0
    for q in questions:
        if q["type"] not in ("single", "scenario"):
            continue
        items += 1
        lengths = sorted(
            ((len(_text(c, locale).strip()), c["id"]) for c in q["choices"]), reverse=True
        )
        if lengths[0][1] in q["correct"] and (len(lengths) < 2 or lengths[0][0] > lengths[1][0]):
            keyed += 1
    return items, keyed


def _true_false(questions: Sequence[Question]) -> tuple[int, int]:
    keys = [q["correct"][0] for q in questions if q["type"] == "true_false"]
    return keys.count("true"), keys.count("false")


def pass_rate(definition: Mapping[str, Any], strategy: str, locale: str = "fr") -> float:
    """Share of attempts a strategy passes (rounded percent ≥ pass mark), for reports."""
    questions = {q["id"]: q for q in definition["questions"]}
    fn = PER_QUESTION[strategy]
    samples = _samples(definition)
    passed = sum(
        percent_of(sum(fn(questions[i], locale) for i in ids), len(ids)) >= definition["pass_mark"]
        for ids in samples
    )
    return passed / len(samples)
