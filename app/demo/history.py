"""Realistic made-up history for generated demo employees, as plain rows (no database access).

One function per kind of record; each takes a seeded `random.Random` so that the same seed
gives the same organisation. demo_bulk.py writes the rows with bulk inserts.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from random import Random
from typing import Any

from app.consent.decisions import add_months
from app.core import codes
from app.learn.quiz_draw import draw_questions
from app.learn.quiz_scoring import score_quiz

DEPARTMENTS = [
    "Marketing",
    "Ventes",
    "Engineering",
    "Support",
    "Finance",
    "Juridique",
    "Ressources humaines",
    "Communication",
    "Logistique",
    "Produit",
    "Achats",
    "Direction",
]
FIRST_NAMES = [
    "Léa", "Karim", "Sophie", "Tom", "Chloé", "Hugo", "Inès", "Lucas", "Manon", "Yanis",
    "Camille", "Nathan", "Sarah", "Mehdi", "Julie", "Paul", "Aïcha", "Louis", "Emma", "Théo",
    "Nina", "Omar", "Clara", "Jules", "Zoé", "Adam", "Lina", "Victor", "Alice", "Samir",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "Benali", "Nguyen", "Fontaine",
    "Rousseau", "Vincent", "Muller", "Faure", "Andre", "Mercier", "Blanc", "Guerin", "Boyer",
    "Baker", "Da Silva", "Haddad",
]  # fmt: skip
JOB_TITLES = ["Chargé·e de projet", "Analyste", "Responsable", "Assistant·e", "Consultant·e"]
USER_AGENT = "Mozilla/5.0 (demo data)"


@dataclass(frozen=True)
class Person:
    """A generated employee before insertion."""

    index: int
    email: str
    full_name: str
    department: str
    job_title: str
    locale: str
    start_date: date
    created_at: datetime
    has_password: bool
    active: bool


def email_for(index: int) -> str:
    """The generated person's address (stable, so a second run finds them)."""
    return f"person{index:05d}@staff.example.com"


def person(index: int, rng: Random, today: date) -> Person:
    """One employee: name, department, start date within the last 14 months, account state."""
    start = today - timedelta(days=rng.randint(1, 420))
    created = datetime.combine(start - timedelta(days=7), time(9, 0), tzinfo=UTC)
    return Person(
        index=index,
        email=email_for(index),
        full_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        department=DEPARTMENTS[index % len(DEPARTMENTS)],
        job_title=rng.choice(JOB_TITLES),
        locale="en" if rng.random() < 0.2 else "fr",
        start_date=start,
        created_at=created,
        has_password=rng.random() < 0.93,
        active=rng.random() < 0.98,
    )


@functools.cache
def difficulty(question_id: str) -> float:
    """The chance of answering a question right (fixed per question, between 0.55 and 0.97)."""
    digest = hashlib.sha256(question_id.encode()).digest()
    return 0.55 + (digest[0] / 255) * 0.42


DRAW_VARIANTS = 48


# A set of questions shown together: their ids as drawn, the questions, and their choices' order.
Shown = tuple[tuple[str, ...], list[dict], dict[str, list[str]]]
_DRAWS: dict[str, list[Shown]] = {}


def _shown(drawn: Any, questions: list[dict]) -> Shown:
    return tuple(drawn), questions, {q["id"]: [c["id"] for c in q["choices"]] for q in questions}


def _draws(quiz_hash: str, definition: dict) -> list[Shown]:
    """A fixed set of real draws per quiz (keyed by its hash), each with its drawn questions.

    Drawing is the generator's costliest step after sealing; the player's rules still choose
    every set, and 48 sets per quiz is more variety than a year of history needs. A quiz
    without a draw shows all its questions (one set, in an order shuffled per attempt)."""
    if quiz_hash in _DRAWS:
        return _DRAWS[quiz_hash]
    rng = Random(quiz_hash)
    questions = definition["questions"]
    if not definition.get("draw"):
        variants = [_shown((), questions)]
    else:
        variants = []
        for _ in range(DRAW_VARIANTS):
            drawn = draw_questions(questions, definition["draw"], rng)
            variants.append(_shown(drawn, [q for q in questions if q["id"] in drawn]))
    _DRAWS[quiz_hash] = variants
    return variants


def _answers(questions: list[dict], rng: Random, skill: float) -> dict[str, list[str]]:
    answers = {}
    for q in questions:
        if rng.random() < min(0.99, difficulty(q["id"]) * skill):
            answers[q["id"]] = sorted(q["correct"])
        else:
            wrong = [c["id"] for c in q["choices"] if c["id"] not in q["correct"]]
            answers[q["id"]] = [rng.choice(wrong)] if wrong else []
    return answers


def attempt_row(
    user_id: int, module: Any, rng: Random, at: datetime, skill: float
) -> dict[str, Any]:
    """One submitted quiz attempt, scored with the real scoring rules."""
    definition = module.quiz.definition
    variants = _draws(module.quiz.content_hash, definition)
    drawn: list[str] | None = None
    if definition.get("draw"):  # as the player does: this attempt shows part of the pool
        drawn_ids, questions, choice_order = rng.choice(variants)
        drawn = list(drawn_ids)
    else:
        _none, questions, choice_order = variants[0]
    answers = _answers(questions, rng, skill)
    result = score_quiz(questions, answers, definition["pass_mark"])
    order = drawn or [q["id"] for q in questions]
    if drawn is None:
        rng.shuffle(order)
    return {
        "token": secrets.token_urlsafe(32),
        "user_id": user_id,
        "module_slug": module.slug,
        "quiz_hash": module.quiz.content_hash,
        "material_version": module.material_version,
        "question_order": order,
        "choice_order": choice_order,  # shared by the attempts shown the same set: never changed
        "answers": answers,
        "score": result.total,
        "max_score": result.max_score,
        "percent": result.percent,
        "passed": result.passed,
        "started_at": at - timedelta(minutes=4),
        "submitted_at": at,
    }


def learning_plan(modules: list[Any], rng: Random, start: datetime, now: datetime) -> list[Any]:
    """Which modules the person completed, in order: most finished, some midway, a few none."""
    roll = rng.random()
    if roll < 0.6:
        count = len(modules)
    elif roll < 0.88:
        count = rng.randint(1, max(1, len(modules) - 1))
    else:
        count = 0
    days = max(1, (now - start).days)
    return modules[: count if days > len(modules) else min(count, days - 1)]


def consent_rows(
    user_id: int,
    purposes: list[Any],
    texts: dict[int, Any],
    rng: Random,
    start: date,
    today: date,
) -> list[dict[str, Any]]:
    """Decisions for some purposes and media: grants (a few expiring or expired), refusals,
    and grants later revoked."""
    rows = []
    for purpose in purposes:
        if rng.random() > 0.75 or purpose.id not in texts:
            continue
        text = texts[purpose.id]
        for medium in purpose.media_list:
            span = max(1, (today - start).days)
            day = start + timedelta(days=rng.randint(0, span - 1))
            roll = rng.random()
            decision = "granted" if roll < 0.7 else "refused"
            until = (
                add_months(day, purpose.default_duration_months) if decision == "granted" else None
            )
            if decision == "granted" and roll < 0.06:
                until = today + timedelta(days=rng.randint(0, 29))  # expiring soon
            elif decision == "granted" and roll < 0.1:
                day = today - timedelta(days=rng.randint(400, 500))
                until = today - timedelta(days=rng.randint(1, 60))  # expired
            rows.append(_consent(user_id, purpose.id, medium, decision, text, day, until))
            if decision == "granted" and 0.1 <= roll < 0.17 and day < today:
                later = day + timedelta(days=rng.randint(1, max(1, (today - day).days)))
                rows.append(_consent(user_id, purpose.id, medium, "revoked", text, later, None))
    return rows


def _consent(
    user_id: int, purpose_id: int, medium: str, decision: str, text: Any, day: date, until
) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "purpose_id": purpose_id,
        "medium": medium,
        "decision": decision,
        "text_id": text.id,
        "text_version": text.version,
        "text_locale": text.locale,
        "text_sha256": text.sha256,
        "valid_from": day,
        "valid_until": until,
        "recorded_at": datetime.combine(day, time(11, 30), tzinfo=UTC),
        "ip": "10.20.0.1",
        "user_agent": USER_AGENT,
        "recorded_by_id": user_id,
        "on_behalf": False,
        "paper_reference": None,
        "code": codes.new_code(),
    }
