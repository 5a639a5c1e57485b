"""Quizzes with `draw:`: a fresh set per attempt covering every section, scored on what was shown,
sealed; the result page after a failure; practice blocks; the admin's coverage map."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from app.core import audit
from app.extensions import db
from app.learn.content import catalog
from app.learn.quiz_draw import draw_questions
from app.learn.step_pages import step_parts
from app.models.audit import AuditEvent
from app.models.learning import ModuleCompletion, ModuleProgress, QuizAttempt
from tests.conftest import post_form
from tests.learning_helpers import answers_for, read_all_steps, submit

FIXTURE = Path(__file__).parent / "fixtures" / "guarded"
SLUG = "basics"
SECTIONS = {"q1": "scope", "q2": "scope", "q7": "scope", "q3": "accounts", "q4": "accounts"}
SECTIONS |= {"q8": "accounts", "q5": "respect", "q6": "respect"}


@pytest.fixture
def app_config(tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "src")
    return {
        "CONTENT_DIR": str(tmp_path / "src" / "content"),
        "QUIZZES_DIR": str(tmp_path / "src" / "quizzes"),
    }


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _last_attempt() -> QuizAttempt:
    return db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id.desc())).first()


# The draw as a pure function


def _pool():
    return catalog.module_or_none(SLUG).quiz.definition["questions"]


def test_a_draw_covers_every_tested_section(app):
    for seed in range(50):
        drawn = draw_questions(_pool(), 4, random.Random(seed))
        assert len(drawn) == 4 == len(set(drawn))
        assert {SECTIONS[q] for q in drawn} == {"scope", "accounts", "respect"}


def test_a_retake_draws_questions_the_last_attempt_did_not_show(app):
    for seed in range(30):
        rng = random.Random(seed)
        first = draw_questions(_pool(), 4, rng)
        second = draw_questions(_pool(), 4, rng, [first])
        # A question comes back only for a section whose every question the first draw showed.
        exhausted = {
            s
            for s in set(SECTIONS.values())
            if all(q in first for q, found in SECTIONS.items() if found == s)
        }
        assert {SECTIONS[q] for q in set(first) & set(second)} <= exhausted
        assert len(set(first) & set(second)) <= len(exhausted)


def test_a_draw_never_repeats_an_earlier_set_while_the_pool_allows(app):
    rng = random.Random(1)
    previous: list[list[str]] = []
    for _ in range(15):
        drawn = draw_questions(_pool(), 4, rng, previous)
        assert set(drawn) not in [set(p) for p in previous]
        previous.append(drawn)


def test_without_draw_every_question_is_shown_shuffled():
    pool = [{"id": str(n)} for n in range(7)]
    drawn = draw_questions(pool, None, random.Random(3))
    assert sorted(drawn) == sorted(q["id"] for q in pool) and len(drawn) == 7


# Attempts in the app


def test_an_attempt_shows_only_its_draw_and_is_scored_on_it(client, auth, employee):
    auth.login(employee.email)
    url = read_all_steps(client, SLUG)
    attempt = _last_attempt()
    assert len(attempt.question_order) == 4 and attempt.max_score == 4
    assert set(attempt.choice_order) == set(attempt.question_order)
    page = client.get(url).get_data(as_text=True)
    shown = {qid for qid in SECTIONS if f'name="q-{qid}"' in page}
    assert shown == set(attempt.question_order)
    assert "4 questions" in page
    submit(client, url, answers_for(SLUG))  # answers for the whole pool: only the draw counts
    db.session.refresh(attempt)
    assert attempt.passed and attempt.percent == 100 and attempt.score == 4
    assert set(attempt.answers) == set(attempt.question_order)
    assert _count(ModuleCompletion) == 1
    assert audit.verify_all().ok


def test_the_drawn_set_is_sealed_with_the_attempt(client, auth, employee):
    auth.login(employee.email)
    url = read_all_steps(client, SLUG)
    submit(client, url, answers_for(SLUG))
    attempt = _last_attempt()
    others = [q for q in SECTIONS if q not in attempt.question_order][:4]
    db.session.execute(
        update(QuizAttempt).where(QuizAttempt.id == attempt.id).values(question_order=others)
    )
    db.session.commit()
    report = audit.verify_all()
    assert not report.ok


def test_a_retake_draws_another_set(client, auth, employee):
    auth.login(employee.email)
    sets = []
    for _ in range(4):
        url = read_all_steps(client, SLUG)
        submit(client, url, answers_for(SLUG, right=False))
        sets.append(frozenset(_last_attempt().question_order))
    assert all(a != b for a, b in zip(sets, sets[1:], strict=False))
    assert _count(ModuleCompletion) == 0


def test_a_failed_result_names_the_sections_missed_without_the_answers(client, auth, employee):
    auth.login(employee.email)
    url = read_all_steps(client, SLUG)
    submit(client, url, answers_for(SLUG, right=False))
    page = client.get(url).get_data(as_text=True)
    assert "Not passed yet" in page and "Retake the quiz" in page
    assert "Go back over these parts of the module" in page
    for title, number in (("Scope", 1), ("Official accounts", 2), ("Respect", 3)):
        assert f'<a href="/learn/{SLUG}/{number}">{title}</a>' in page
    assert "The next attempt asks other questions." in page
    for marker in ("Correct answer", "is-right", "Explanation", "Your answer"):
        assert marker not in page
    for q in catalog.module_or_none(SLUG).quiz.definition["questions"]:
        assert q["explanation"]["en"] not in page


def test_a_passed_result_shows_the_answers_and_explanations(client, auth, employee):
    auth.login(employee.email)
    url = read_all_steps(client, SLUG)
    submit(client, url, answers_for(SLUG))
    page = client.get(url).get_data(as_text=True)
    assert "Passed" in page and "Correct answer" in page and "Explanation" in page


# Practice blocks


def _practice(client, data: dict, number: int = 2):
    return post_form(
        client, f"/learn/{SLUG}/{number}/practice", data, page=f"/learn/{SLUG}/{number}"
    )


def test_a_practice_block_is_an_accessible_form(client, auth, employee):
    auth.login(employee.email)
    page = client.get(f"/learn/{SLUG}/2").get_data(as_text=True)
    assert f'action="/learn/{SLUG}/2/practice#practice-leaving-soon"' in page
    assert "<fieldset>" in page and "<legend>" in page and "What would you do?" in page
    assert 'for="practice-leaving-soon-0"' in page and 'id="practice-leaving-soon-0"' in page
    assert "```" not in page and "correct:" not in page
    assert "Too late" not in page  # no feedback before an answer


def test_answering_a_practice_block_shows_its_feedback_and_stores_nothing(client, auth, employee):
    auth.login(employee.email)
    client.get(f"/learn/{SLUG}/2")
    events, progress = _count(AuditEvent), _count(ModuleProgress)
    wrong = _practice(client, {"practice": "leaving-soon", "choice": "0"})
    assert wrong.status_code == 200
    text = wrong.get_data(as_text=True)
    assert "Not quite." in text and "Too late: the handover starts ten working days" in text
    right = _practice(client, {"practice": "leaving-soon", "choice": "1"}).get_data(as_text=True)
    assert "Good choice." in right and "you have time to organise the handover" in right
    assert (_count(AuditEvent), _count(ModuleProgress)) == (events, progress)


def test_a_practice_answer_needs_a_choice_and_a_known_block(client, auth, employee):
    auth.login(employee.email)
    empty = _practice(client, {"practice": "leaving-soon"})
    assert empty.status_code == 200 and "Choose an answer." in empty.get_data(as_text=True)
    assert _practice(client, {"practice": "no-such", "choice": "0"}).status_code == 404
    assert _practice(client, {"practice": "leaving-soon", "choice": "0"}, 1).status_code == 404


def test_a_practice_answer_needs_the_csrf_token(app, client, auth, employee):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.login(employee.email)
    response = client.post(
        f"/learn/{SLUG}/2/practice", data={"practice": "leaving-soon", "choice": "0"}
    )
    assert response.status_code == 400


def test_french_steps_get_french_typography(app):
    step = catalog.module_or_none(SLUG).text("fr").steps[1]
    with app.test_request_context():
        parts = step_parts(step, "fr", {}, {})
        english = step_parts(catalog.module_or_none(SLUG).text("en").steps[1], "en", {}, {})
    assert "Vous quittez votre poste\u202f?" in parts[0].html
    assert parts[1].practice.prompt == "Vous partez dans trois semaines. Que faites-vous\u202f?"
    assert parts[1].practice.choices[1] == "Je préviens l’équipe communication dès maintenant."
    assert "\u202f" not in english[0].html and "\u202f" not in english[1].practice.prompt


# The admin's coverage map


def test_the_modules_page_maps_policy_sections_to_steps_and_questions(client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/modules").get_data(as_text=True)
    assert "Policy version 1" in page and "Every section is taught and tested." in page
    assert f'href="/learn/{SLUG}/2">The basics, step 2</a>: Handing over an account' in page
    assert "The basics: Question 3?" in page


def test_the_coverage_map_highlights_gaps(app, client, auth, admin):
    quiz = Path(app.config["QUIZZES_DIR"]) / "basics.yaml"
    quiz.write_text(
        quiz.read_text(encoding="utf-8").replace("- respect", "- scope"), encoding="utf-8"
    )
    auth.login(admin.email)
    page = client.get("/admin/modules").get_data(as_text=True)
    assert "1 section is not both taught and tested." in page
    assert 'class="coverage-gap"' in page and "Not tested" in page


def test_quiz_insight_counts_only_the_questions_each_attempt_drew(client, auth, employee):
    from app.hr_reports import quiz_insight

    auth.login(employee.email)
    submit(client, read_all_steps(client, SLUG), answers_for(SLUG, right=False))
    drawn = set(_last_attempt().question_order)
    found = {q.question_id: q for q in quiz_insight.insight("en")}
    assert set(found) == drawn
    assert all(q.answered == 1 and q.missed == 1 for q in found.values())
