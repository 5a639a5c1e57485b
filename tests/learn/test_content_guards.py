"""The guards of `flask content check`: policy coverage, policy rules, practice blocks, draws,
cue-only strategies and declared minutes; one fixture that passes, one edit per broken guard."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from app.learn.content import guards
from app.learn.content.cues import simulate
from app.learn.content.validation import load_catalog
from tests.learning_helpers import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "guarded"


@pytest.fixture
def dirs(tmp_path) -> tuple[Path, Path]:
    shutil.copytree(FIXTURE, tmp_path / "src")
    return tmp_path / "src" / "content", tmp_path / "src" / "quizzes"


@pytest.fixture
def app_config(dirs):
    return {"CONTENT_DIR": str(dirs[0]), "QUIZZES_DIR": str(dirs[1])}


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _module(dirs, locale="fr") -> Path:
    return dirs[0] / "modules" / f"basics.{locale}.md"


def _quiz(dirs) -> Path:
    return dirs[1] / "basics.yaml"


def _load_errors(dirs) -> list[str]:
    return [str(e) for e in load_catalog(*dirs).errors]


def _guard_errors(dirs) -> list[str]:
    loaded = load_catalog(*dirs)
    assert loaded.errors == (), loaded.errors
    return [str(e) for e in guards.run(loaded.modules, loaded.policy, dirs[0] / "policy").errors]


def _one(errors: list[str], *fragments: str) -> None:
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0], errors


def test_the_fixture_passes_every_guard(dirs):
    assert _guard_errors(dirs) == []


def test_content_check_passes_on_the_fixture_and_prints_measures(app, dirs):
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0, result.output
    assert "OK: 1 modules and 8 quiz questions are valid." in result.output
    assert "basics: best blind score" in result.output
    assert "true/false keys: 1 true, 1 false" in result.output


def test_content_check_fails_on_a_broken_guard(app, dirs):
    _edit(
        _module(dirs),
        "teaches: {scope: [1], accounts: [2], respect: [3]}",
        "teaches: {scope: [1], accounts: [2]}",
    )
    _edit(
        _module(dirs, "en"),
        "teaches: {scope: [1], accounts: [2], respect: [3]}",
        "teaches: {scope: [1], accounts: [2]}",
    )
    _edit(_quiz(dirs), "- respect", "- scope", count=2)
    result = app.test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "section 'respect': no module step teaches it and no quiz question tests it" in (
        result.output
    )


# Coverage of the current policy


def test_a_section_neither_taught_nor_tested_fails(dirs):
    for locale in ("fr", "en"):
        _edit(_module(dirs, locale), ", respect: [3]", "")
    _edit(_quiz(dirs), "- respect", "- scope", count=2)
    _one(
        _guard_errors(dirs),
        "policy/v1.fr.md",
        "section 'respect'",
        "no module step teaches it and no quiz question tests it",
    )


def test_a_section_only_taught_is_a_note_not_an_error(dirs):
    _edit(_quiz(dirs), "- respect", "- scope", count=2)
    loaded = load_catalog(*dirs)
    result = guards.run(loaded.modules, loaded.policy, dirs[0] / "policy")
    assert result.errors == []
    assert result.notes == ["policy section 'respect' is taught but tested by no question"]


def test_unknown_section_ids_fail(dirs):
    for locale in ("fr", "en"):
        _edit(_module(dirs, locale), "respect: [3]", "respect: [3], privacy: [1]")
    _edit(_quiz(dirs), "- respect", "- respekt")
    errors = _guard_errors(dirs)
    assert len(errors) == 2, errors
    assert "teaches: 'privacy' is not a section of policy version 1" in errors[0]
    assert "q5.sections: 'respekt' is not a section" in errors[1]


def test_the_newest_policy_without_section_ids_fails(dirs):
    for locale in ("fr", "en"):
        _edit(dirs[0] / "policy" / f"v1.{locale}.md", "sections: [scope, accounts, respect]\n", "")
    _one(_guard_errors(dirs), "policy/v1.fr.md: sections", "has no 'sections:' ids")


def test_policy_section_ids_must_match_the_headings_and_the_other_locale(dirs):
    _edit(dirs[0] / "policy" / "v1.en.md", "[scope, accounts, respect]", "[scope, accounts]")
    errors = _load_errors(dirs)
    assert any("v1.en.md: sections: 2 section ids for 3 '## ' headings" in e for e in errors)
    assert any(
        "v1.en.md: sections: the section ids differ from those of v1.fr.md" in e for e in errors
    )


def test_teaches_must_name_existing_steps_and_agree_between_locales(dirs):
    _edit(_module(dirs, "en"), "respect: [3]", "respect: [4]")
    errors = _load_errors(dirs)
    assert any("basics.en.md: teaches: 'teaches' is" in e for e in errors), errors
    _edit(_module(dirs, "fr"), "respect: [3]", "respect: [4]")
    _one(_load_errors(dirs), "basics.fr.md: teaches", "step 4 does not exist (3 steps)")


def test_teaches_must_be_a_mapping_of_step_lists(dirs):
    _edit(_module(dirs), "teaches: {scope: [1], accounts: [2], respect: [3]}", "teaches: [scope]")
    errors = _load_errors(dirs)
    assert any("'teaches' maps policy section ids to lists of step numbers" in e for e in errors)


# Policy rules (content/policy/rules.yaml)


def test_teaching_to_hand_over_two_factor_codes_fails(dirs):
    _edit(
        _module(dirs),
        "La charte s'applique à tous",
        "Remettez les codes de double authentification au successeur. La charte s'applique à tous",
    )
    _one(
        _guard_errors(dirs),
        "modules/basics.fr.md",
        "two-factor-codes-never-handed-over",
        "Remettez les codes",
    )


def test_a_negated_sentence_is_not_a_contradiction(dirs):
    # The fixture's step 2 says "Ne transmettez jamais de codes de double authentification".
    assert "Ne transmettez jamais de codes" in _module(dirs).read_text(encoding="utf-8")
    assert _guard_errors(dirs) == []


def _edit_question(dirs, qid: str, old: str, new: str) -> None:
    text = _quiz(dirs).read_text(encoding="utf-8")
    at = text.index(f"id: {qid}\n")
    assert old in text[at:]
    _quiz(dirs).write_text(text[:at] + text[at:].replace(old, new, 1), encoding="utf-8")


def test_a_quiz_key_that_hands_over_two_factor_codes_fails(dirs):
    _edit_question(dirs, "q3", "Answer alpha", "Give the two-factor codes to your successor")
    _one(
        _guard_errors(dirs),
        "quizzes/basics.yaml: q3 (en): a correct answer contradicts policy rule",
        "Give the two-factor codes",
    )


def test_a_distractor_may_say_the_forbidden_thing(dirs):
    _edit_question(dirs, "q3", "Answer bravo", "Give the two-factor codes to your successor")
    assert _guard_errors(dirs) == []


def test_the_handover_rule_must_be_taught_where_the_section_is(dirs):
    _edit(_module(dirs), "dix jours ouvrés", "quelques jours", count=-1)
    _one(
        _guard_errors(dirs), "handover-ten-working-days-two-admins", "is not taught", "jours ouvrés"
    )


def test_a_rule_of_a_later_policy_version_is_not_applied(dirs):
    _edit(
        dirs[0] / "policy" / "rules.yaml",
        "section: accounts\n    must_say",
        "section: accounts\n    since: 2\n    must_say",
    )
    _edit(_module(dirs), "dix jours ouvrés", "quelques jours", count=-1)
    assert _guard_errors(dirs) == []


# Practice blocks


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    correct: true\n", "    correct: false\n", "at least one choice must be correct"),
        (
            '    feedback: "Oui : vous avez le temps d\'organiser la passation."\n',
            "",
            "choice 2: 'feedback' is missing",
        ),
        ('prompt: "Vous partez', 'prompt: ["Vous partez', "practice block is not valid YAML"),
        ("id: leaving-soon", "id: Leaving Soon", "'id' must be lowercase-with-dashes"),
    ],
)
def test_broken_practice_blocks_fail(dirs, old, new, message):
    _edit(_module(dirs), old, new)
    errors = _load_errors(dirs)
    assert any(message in e and "basics.fr.md: line" in e for e in errors), errors


def test_practice_ids_must_be_the_same_in_both_locales(dirs):
    _edit(_module(dirs, "en"), "id: leaving-soon", "id: leaving-later")
    _one(
        _load_errors(dirs),
        "basics.en.md",
        "practice ids ['leaving-later'] here but ['leaving-soon']",
    )


def test_practice_ids_are_unique_within_a_module(dirs):
    for locale in ("fr", "en"):
        path = _module(dirs, locale)
        text = path.read_text(encoding="utf-8")
        block = text[
            text.index("```practice") : text.index("```\n", text.index("```practice") + 3) + 4
        ]
        path.write_text(text + "\n" + block, encoding="utf-8")
    errors = _load_errors(dirs)
    assert any("practice id 'leaving-soon' is used twice" in e for e in errors), errors


# Draws


def test_the_pool_must_hold_twice_the_draw(dirs):
    _edit(_quiz(dirs), "draw: 4", "draw: 5")
    _one(
        _load_errors(dirs),
        "basics.yaml",
        "draw",
        "the pool has 8 questions: drawing 5 per attempt needs at least 10",
    )


def test_a_draw_must_have_room_for_every_tested_section(dirs):
    _edit(_quiz(dirs), "draw: 4", "draw: 2")
    _one(
        _load_errors(dirs),
        "the questions test 3 policy sections: a draw of 2 cannot represent them all",
    )


def test_question_sections_are_ids(dirs):
    _edit(_quiz(dirs), "- respect", "- Respect Others")
    errors = _load_errors(dirs)
    assert any("'sections' lists policy section ids" in e for e in errors), errors


# Cue-only strategies and minutes


def test_a_quiz_whose_keys_are_the_longest_option_fails(dirs):
    data = yaml.safe_load(_quiz(dirs).read_text(encoding="utf-8"))
    data["pass_mark"] = 60
    for q in data["questions"]:
        for c in q["choices"]:
            if c["id"] in q["correct"] and q["type"] == "single":
                c["text"] = {
                    k: v + " with the detail that makes it right" for k, v in c["text"].items()
                }
    _quiz(dirs).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    _one(_guard_errors(dirs), "quizzes/basics.yaml: cues", "a learner who reads nothing scores")


def _as_true_false(q: dict, key: str) -> None:
    q.update(
        type="true_false",
        correct=[key],
        choices=[
            {"id": "true", "text": {"fr": "Vrai", "en": "True"}},
            {"id": "false", "text": {"fr": "Faux", "en": "False"}},
        ],
    )
    q.pop("scoring", None)


def _always_false(data: dict) -> None:
    for q in data["questions"]:
        _as_true_false(q, "false")


def _tick_all(data: dict) -> None:
    names = ("alpha", "bravo", "delta", "gamma", "epsilon")
    for q in data["questions"]:
        q.update(type="multiple", scoring="partial")
        q["choices"] = [
            {"id": name[0], "text": {"fr": f"Réponse {name}", "en": f"Answer {name}"}}
            for name in names
        ]
        q["correct"] = ["a", "b", "d", "g"]  # ticking all five: (4 - 1) / 4 = 75 %
    data["pass_mark"] = 70


def _always_first(data: dict) -> None:
    for q in data["questions"]:
        if q["type"] == "true_false":
            _as_true_false(q, "true")  # shown "true" first
        else:
            q["correct"] = ["a"]


@pytest.mark.parametrize(
    ("strategy", "rewrite"),
    [("false", _always_false), ("tick-all", _tick_all), ("first", _always_first)],
)
def test_a_quiz_one_cue_only_strategy_passes_fails(dirs, strategy, rewrite):
    """Each blind strategy, on its own, makes `flask content check` fail when it pays."""
    data = yaml.safe_load(_quiz(dirs).read_text(encoding="utf-8"))
    rewrite(data)
    _quiz(dirs).write_text(
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    report = simulate(load_catalog(*dirs).get("basics").quiz.definition)
    assert report.scores[strategy] >= report.pass_mark, report.scores
    _one(_guard_errors(dirs), "quizzes/basics.yaml: cues", "a learner who reads nothing scores")


def test_cue_report_counts_the_longest_key_and_true_false_balance():
    definition = {
        "pass_mark": 80,
        "questions": [
            {
                "id": "a",
                "type": "single",
                "correct": ["x"],
                "choices": [
                    {"id": "x", "text": {"fr": "long long", "en": "l"}},
                    {"id": "y", "text": {"fr": "court", "en": "short"}},
                ],
            },
            {
                "id": "b",
                "type": "true_false",
                "correct": ["false"],
                "choices": [
                    {"id": "true", "text": {"fr": "Vrai", "en": "True"}},
                    {"id": "false", "text": {"fr": "Faux", "en": "False"}},
                ],
            },
            {
                "id": "c",
                "type": "multiple",
                "scoring": "partial",
                "correct": ["x", "y"],
                "choices": [
                    {"id": "x", "text": {"fr": "x", "en": "x"}},
                    {"id": "y", "text": {"fr": "y", "en": "y"}},
                    {"id": "z", "text": {"fr": "z", "en": "z"}},
                ],
            },
        ],
    }
    report = simulate(definition)
    assert report.longest_is_correct == {"fr": (1, 1), "en": (1, 0)}
    assert report.true_false == (0, 1)
    # Longest on the French wording, "false", and ticking all (2 right, 1 wrong: 1/2) = 2.5/3.
    assert report.scores["best-mix"] == pytest.approx(83.3)
    assert report.best_mix["true_false"] == "false"
    assert report.passes


def test_a_module_longer_than_one_and_a_half_times_its_minutes_fails(dirs):
    for locale in ("fr", "en"):
        _edit(_module(dirs, locale), "minutes: 3", "minutes: 1")
    _one(_guard_errors(dirs), "modules/basics.fr.md: minutes", "declares 1: more than 1.5 ×")


def test_reading_time_counts_words_at_200_per_minute_plus_20_seconds_per_drawn_question(dirs):
    module = load_catalog(*dirs).get("basics")
    words = guards.step_words(module, "fr")
    assert guards.estimated_minutes(module, "fr") == pytest.approx(words / 200 + 4 * 20 / 60)


def test_best_blind_score_of_every_shipped_quiz(capsys):
    loaded = load_catalog(ROOT / "content", ROOT / "quizzes")
    assert loaded.errors == ()
    failing = []
    with capsys.disabled():
        print("\nBest blind score per shipped quiz (cue-only strategies):")
        for module in loaded.modules:
            report = simulate(module.quiz.definition)
            name, score = report.best
            print(f"  {module.slug:<32} {score:5.1f} % ({name}) pass mark {report.pass_mark} %")
            if report.passes:
                failing.append(module.slug)
    assert failing == [], f"shipped quizzes passable without reading: {', '.join(failing)}"


def test_every_shipped_module_asks_what_would_you_do_every_two_or_three_steps():
    """Issue 18: a practice block at least every third step, in every locale."""
    loaded = load_catalog(ROOT / "content", ROOT / "quizzes")
    sparse = []
    for module in loaded.modules:
        for locale in ("fr", "en"):
            marks = "".join("P" if s.practices else "." for s in module.text(locale).steps)
            if "P" not in marks or "..." in marks:
                sparse.append(f"{module.slug}.{locale}: {marks}")
    assert sparse == [], f"more than two steps in a row without a practice block: {sparse}"


def test_every_section_of_the_current_policy_is_taught_and_tested_by_shipped_content():
    """Issue 18: each section maps to at least one step and one question (the check itself only
    fails when a section has neither; a half-covered one is a note)."""
    loaded = load_catalog(ROOT / "content", ROOT / "quizzes")
    rows = guards.coverage(loaded.policy, loaded.modules)
    assert [row.section for row in rows] == list(loaded.policy.ids)
    assert [row.section for row in rows if not row.complete] == []
