"""Which questions one attempt shows: `draw` of the pool, every tested policy section represented.

Pure functions (no Flask, no database), used by the player to start an attempt and by the
cue-only simulation of `flask content check`.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

RETRIES = 30  # fresh draws tried when one equals a set the learner has already had


def _pick(candidates: list[str], avoid: Collection[str], rng: random.Random) -> str:
    fresh = [c for c in candidates if c not in avoid]
    return rng.choice(fresh or candidates)


def _draw_once(
    questions: Sequence[Mapping[str, Any]], draw: int, avoid: Collection[str], rng: random.Random
) -> list[str]:
    sections_of = {q["id"]: set(q.get("sections") or ()) for q in questions}
    sections = sorted({s for found in sections_of.values() for s in found})
    rng.shuffle(sections)
    chosen: list[str] = []
    covered: set[str] = set()
    for section in sections:
        if section in covered or len(chosen) >= draw:
            continue
        candidates = [qid for qid, found in sections_of.items() if section in found]
        candidates = [qid for qid in candidates if qid not in chosen]
        if candidates:
            qid = _pick(candidates, avoid, rng)
            chosen.append(qid)
            covered |= sections_of[qid]
    rest = [q["id"] for q in questions if q["id"] not in chosen]
    while len(chosen) < draw and rest:
        qid = _pick(rest, avoid, rng)
        rest.remove(qid)
        chosen.append(qid)
    return chosen


def draw_questions(
    questions: Sequence[Mapping[str, Any]],
    draw: int | None,
    rng: random.Random,
    previous: Iterable[Collection[str]] = (),
) -> list[str]:
    """Question ids for one attempt, in the order shown.

    Without `draw` (or a draw as large as the pool) every question, shuffled. With one, `draw`
    questions covering every policy section the pool tests, preferring questions the last
    attempt did not show, and never a set an earlier attempt had when the pool allows another.
    """
    ids = [q["id"] for q in questions]
    if not draw or draw >= len(ids):
        rng.shuffle(ids)
        return ids
    earlier = [frozenset(p) for p in previous]
    last = earlier[-1] if earlier else frozenset()
    seen_sets = set(earlier)
    chosen = _draw_once(questions, draw, last, rng)
    for _ in range(RETRIES):
        if frozenset(chosen) not in seen_sets:
            break
        chosen = _draw_once(questions, draw, frozenset(), rng)
    rng.shuffle(chosen)
    return chosen


def sections_tested(questions: Sequence[Mapping[str, Any]]) -> set[str]:
    """Every policy section at least one question of the pool tests."""
    return {s for q in questions for s in q.get("sections") or ()}
