"""Quiz insight: the share of first attempts that missed each question, most-missed first."""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select

from app.extensions import db
from app.hr_reports import quiz_insight
from app.learn.content import catalog
from app.models.learning import QuizAttempt
from tests.conftest import make_user
from tests.learning_helpers import answers_for, read_all_steps, submit

SLUG = "why-a-policy"


def _answer(client, auth, user, wrong: set[str], then_right: bool = False) -> None:
    auth.login(user.email)
    fields = answers_for(SLUG)
    definition = catalog.module_or_none(SLUG).quiz.definition
    for q in definition["questions"]:
        if q["id"] in wrong:
            fields[f"q-{q['id']}"] = [c["id"] for c in q["choices"] if c["id"] not in q["correct"]][
                :1
            ]
    submit(client, read_all_steps(client, SLUG), fields)
    if then_right:
        submit(client, read_all_steps(client, SLUG), answers_for(SLUG))
    auth.logout()


def test_most_missed_first_counting_first_attempts_only(client, auth, app, hr):
    questions = [q["id"] for q in catalog.module_or_none(SLUG).quiz.definition["questions"]]
    first, second = questions[0], questions[1]
    people = [make_user(f"p{i}@example.com", f"Person {i}") for i in range(4)]
    wrong = [{first, second}, {first, second}, {first}, {first}]
    # Everyone misses `first` and half miss `second` when drawn; the retries (all right) must
    # not count. A quiz with a draw shows each person only some questions: count those.
    _answer(client, auth, people[0], wrong[0], then_right=True)
    _answer(client, auth, people[1], wrong[1])
    _answer(client, auth, people[2], wrong[2])
    _answer(client, auth, people[3], wrong[3])
    shown = [
        set(
            db.session.scalars(
                select(QuizAttempt).where(QuizAttempt.user_id == person.id).order_by(QuizAttempt.id)
            )
            .first()
            .question_order
        )
        for person in people
    ]
    found = {q.question_id: q for q in quiz_insight.insight("en")}
    for qid in questions:
        answered = sum(qid in s for s in shown)
        missed = sum(qid in s and qid in w for s, w in zip(shown, wrong, strict=True))
        if answered:
            assert (found[qid].answered, found[qid].missed) == (answered, missed), qid
        else:
            assert qid not in found
    rates = [q.missed_rate for q in quiz_insight.insight("en")]
    assert rates == sorted(rates, reverse=True)

    auth.login(hr.email)
    body = client.get("/hr/quiz-insight").get_data(as_text=True)
    shown_first = next(q for q in quiz_insight.insight("en"))
    prompt = next(
        q["prompt"]
        for q in catalog.module_or_none(SLUG).quiz.definition["questions"]
        if q["id"] == shown_first.question_id
    )
    assert str(escape(prompt["en"])) in body
    french = {q.question_id: q.prompt for q in quiz_insight.insight("fr")}
    assert french[shown_first.question_id] == prompt["fr"]


def test_no_attempt_yet(client, auth, hr):
    auth.login(hr.email)
    assert "No quiz has been submitted yet." in client.get("/hr/quiz-insight").get_data(
        as_text=True
    )
