"""Quiz insight: the share of first attempts that missed each question, most-missed first."""

from __future__ import annotations

from app.hr_reports import quiz_insight
from app.learn.content import catalog
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
    # Everyone misses `first`; half miss `second`; the retries (all right) must not count.
    _answer(client, auth, people[0], {first, second}, then_right=True)
    _answer(client, auth, people[1], {first, second})
    _answer(client, auth, people[2], {first})
    _answer(client, auth, people[3], {first})
    found = {q.question_id: q for q in quiz_insight.insight("en")}
    assert found[first].answered == 4 and found[first].missed == 4
    assert found[second].missed == 2 and found[second].missed_rate == 50
    ordered = [q.question_id for q in quiz_insight.insight("en")]
    assert ordered[:2] == [first, second]
    assert all(found[q].missed == 0 for q in questions[2:])

    auth.login(hr.email)
    body = client.get("/hr/quiz-insight").get_data(as_text=True)
    prompt = catalog.module_or_none(SLUG).quiz.definition["questions"][0]["prompt"]
    assert prompt["en"] in body
    french = {q.question_id: q.prompt for q in quiz_insight.insight("fr")}
    assert french[first] == prompt["fr"]


def test_no_attempt_yet(client, auth, hr):
    auth.login(hr.email)
    assert "No quiz has been submitted yet." in client.get("/hr/quiz-insight").get_data(
        as_text=True
    )
