"""Quiz scoring properties (hypothesis) and the exact rules per question type."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.learn.quiz_scoring import percent_of, question_score, score_quiz

CHOICES = ["a", "b", "c", "d", "e"]


@st.composite
def questions(draw):
    kind = draw(st.sampled_from(["single", "multiple", "true_false", "scenario"]))
    ids = ["true", "false"] if kind == "true_false" else CHOICES[: draw(st.integers(2, 5))]
    if kind == "multiple":
        correct = draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    else:
        correct = [draw(st.sampled_from(ids))]
    scoring = draw(st.sampled_from(["partial", "all_or_nothing"])) if kind == "multiple" else None
    return {"id": draw(st.uuids()).hex, "type": kind, "scoring": scoring,
            "choices": [{"id": i} for i in ids], "correct": correct}  # fmt: skip


quizzes = st.lists(questions(), min_size=1, max_size=10)


def _any_answers(draw, quiz):
    return {
        q["id"]: draw(st.lists(st.sampled_from([c["id"] for c in q["choices"]]), unique=True))
        for q in quiz
    }


@given(st.data(), quizzes)
def test_any_answer_set_scores_between_zero_and_max(data, quiz):
    result = score_quiz(quiz, _any_answers(data.draw, quiz), 80)
    assert 0 <= result.total <= result.max_score == len(quiz)
    assert 0 <= result.percent <= 100
    assert all(0 <= s <= 1 for s in result.scores.values())


@given(quizzes)
def test_the_correct_answers_score_the_maximum(quiz):
    result = score_quiz(quiz, {q["id"]: q["correct"] for q in quiz}, 100)
    assert result.total == result.max_score and result.percent == 100 and result.passed


@given(st.data(), quizzes)
def test_the_order_of_the_chosen_answers_does_not_matter(data, quiz):
    answers = _any_answers(data.draw, quiz)
    shuffled = {qid: data.draw(st.permutations(ids)) for qid, ids in answers.items()}
    reordered = dict(reversed(list(shuffled.items())))
    assert score_quiz(quiz, answers, 80) == score_quiz(quiz, reordered, 80)


def test_single_choice_needs_exactly_the_right_choice():
    assert question_score("single", ["b"], ["b"]) == 1
    assert question_score("single", ["b"], ["a"]) == 0
    assert question_score("single", ["b"], ["a", "b"]) == 0
    assert question_score("true_false", ["false"], []) == 0


def test_multiple_partial_subtracts_wrong_picks_and_never_goes_negative():
    assert question_score("multiple", ["a", "b", "d"], ["a", "b"], "partial") == 2 / 3
    assert question_score("multiple", ["a", "b", "d"], ["a", "c"], "partial") == 0
    assert question_score("multiple", ["a", "b"], ["c", "d"], "partial") == 0
    assert question_score("multiple", ["a", "b"], ["a", "b"], "partial") == 1


def test_multiple_all_or_nothing():
    assert question_score("multiple", ["a", "b"], ["b", "a"], "all_or_nothing") == 1
    assert question_score("multiple", ["a", "b"], ["a"], "all_or_nothing") == 0


def test_percent_rounds_halves_up_and_pass_mark_is_inclusive():
    assert percent_of(5, 8) == 63  # 62.5
    assert percent_of(4, 5) == 80
    quiz = [{"id": str(i), "type": "single", "correct": ["a"]} for i in range(5)]
    answers = {str(i): ["a"] for i in range(4)}
    assert score_quiz(quiz, answers, 80).passed
    assert not score_quiz(quiz, answers, 81).passed
