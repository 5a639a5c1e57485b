"""Content validation (one test per rule), `flask content` commands, rendering and images."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask_babel import refresh

from app import create_app
from app.extensions import db
from app.learn.content import catalog as content
from app.learn.content.validation import load_catalog
from tests.learning_helpers import ROOT, copy_content
from tests.production import production_config

SLUG = "why-a-policy"


@pytest.fixture
def dirs(tmp_path) -> tuple[Path, Path]:
    content_dir, quizzes_dir = copy_content(tmp_path / "src")
    # The policy and consent texts of other areas sit next to the modules and must be ignored.
    shutil.copytree(ROOT / "content" / "policy", content_dir / "policy")
    shutil.copytree(ROOT / "content" / "consent", content_dir / "consent")
    return content_dir, quizzes_dir


@pytest.fixture
def app_config(dirs):
    return {"CONTENT_DIR": str(dirs[0]), "QUIZZES_DIR": str(dirs[1])}


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _errors(dirs) -> list[str]:
    return [str(e) for e in load_catalog(*dirs).errors]


def _module(dirs, locale="en") -> Path:
    return dirs[0] / "modules" / f"{SLUG}.{locale}.md"


def _quiz(dirs) -> Path:
    return dirs[1] / f"{SLUG}.yaml"


def _only(errors: list[str], *fragments: str) -> None:
    assert len(errors) == 1, errors
    for fragment in fragments:
        assert fragment in errors[0], errors


def test_shipped_content_is_valid(dirs):
    catalog = load_catalog(*dirs)
    assert catalog.errors == ()
    assert len(catalog.modules) == 15
    assert all(m.quiz.question_count >= 6 for m in catalog.modules)


def test_missing_front_matter_key(dirs):
    _edit(_module(dirs), "minutes: 7\n", "")
    _only(_errors(dirs), f"modules/{SLUG}.en.md", "missing front-matter key 'minutes'")


def test_unknown_front_matter_key_names_its_line(dirs):
    _edit(_module(dirs), "version: 2\n", "version: 2\nauthor: me\n")
    _only(_errors(dirs), f"{SLUG}.en.md: line 9", "unknown front-matter key 'author'")


def test_front_matter_value_of_the_wrong_type(dirs):
    _edit(_module(dirs), "minutes: 7", "minutes: four")
    _only(_errors(dirs), "line 5", "'minutes' must be a int")


def test_missing_locale(dirs):
    _module(dirs, "fr").unlink()
    _only(_errors(dirs), f"{SLUG}.en.md: locales", "has no fr file")


def test_locales_must_have_the_same_steps(dirs):
    _edit(_module(dirs), "## A guide for you, not a gag", "### A guide for you, not a gag")
    _only(_errors(dirs), f"{SLUG}.en.md: steps", "5 steps here but 6")


def test_locales_must_agree_on_order_required_and_version(dirs):
    _edit(_module(dirs), "version: 2", "version: 3")
    _only(_errors(dirs), f"{SLUG}.en.md: version", "'version' is 3 here but 2")


def test_slug_must_match_the_file_name(dirs):
    _edit(_module(dirs), f"slug: {SLUG}", "slug: something-else")
    _only(_errors(dirs), f"{SLUG}.en.md: line 2", "differs from the file name")


def test_slugs_are_unique(dirs):
    _edit(_module(dirs), f"slug: {SLUG}", "slug: official-accounts")
    _only(_errors(dirs), "line 2", "slug 'official-accounts' is already used")


def test_orders_are_unique(dirs):
    for locale in ("fr", "en"):
        _edit(_module(dirs, locale), "order: 1", "order: 2")
    errors = _errors(dirs)
    assert any("order 2 is also used" in e for e in errors), errors


def test_badly_named_module_file(dirs):
    (dirs[0] / "modules" / "notes.de.md").write_text("hello", encoding="utf-8")
    _only(_errors(dirs), "notes.de.md: file name", "<slug>.<fr|en>.md")


def test_unknown_placeholder(dirs):
    _edit(_module(dirs), "Whether {{ organisation_name }}", "Whether {{ ceo_name }}")
    _only(_errors(dirs), f"{SLUG}.en.md: line 17", "unknown variable {{ ceo_name }}")


def test_text_before_the_first_step(dirs):
    _edit(_module(dirs), "---\n\n## Everyone", "---\n\nIntro text.\n\n## Everyone")
    _only(_errors(dirs), "belongs to no step")


def test_missing_image(dirs):
    _edit(_module(dirs), "Nothing dramatic", "![A chart](images/chart.png)\n\nNothing dramatic")
    _only(_errors(dirs), f"{SLUG}.en.md: line", "image 'images/chart.png' does not exist")


def test_image_outside_the_images_folder(dirs):
    _edit(_module(dirs), "Nothing dramatic", "![x](https://example.com/x.png)\n\nNothing dramatic")
    _only(_errors(dirs), "must be a file of images/")


def test_module_without_quiz(dirs):
    _quiz(dirs).unlink()
    _only(_errors(dirs), f"{SLUG}.fr.md: quiz", "has no quiz")


def test_quiz_without_module(dirs):
    shutil.copy(_quiz(dirs), dirs[1] / "ghost.yaml")
    errors = _errors(dirs)
    assert any("ghost.yaml" in e and "'module' must be 'ghost'" in e for e in errors), errors
    assert any("ghost.yaml" in e and "no module has the slug 'ghost'" in e for e in errors)


def test_quiz_pass_mark_out_of_range(dirs):
    _edit(_quiz(dirs), "pass_mark: 80", "pass_mark: 120")
    _only(_errors(dirs), f"quizzes/{SLUG}.yaml: line 3: pass_mark", "between 1 and 100")


def test_quiz_needs_six_questions(dirs):
    text = _quiz(dirs).read_text(encoding="utf-8")
    head, *questions = text.split("\n  - id: ")
    head = head.replace("draw: 5\n", "")  # without a draw, only the pool size is at fault
    _quiz(dirs).write_text("\n  - id: ".join([head, *questions[:5]]), encoding="utf-8")
    _only(_errors(dirs), "questions", "at least 6 questions")


def test_quiz_question_missing_a_locale(dirs):
    _edit(
        _quiz(dirs),
        '      en: "When does the policy apply',
        '      de: "When does the policy apply',
    )
    errors = _errors(dirs)
    assert any("line 9: questions[0].prompt" in e and "the en text is missing" in e for e in errors)
    assert any("unknown locale 'de'" in e for e in errors), errors


def test_correct_answer_must_be_a_choice(dirs):
    _edit(_quiz(dirs), "correct: [b]", "correct: [z]")
    _only(_errors(dirs), "questions[0].correct", "'z' is not one of the choice ids")


def test_single_choice_has_exactly_one_correct_answer(dirs):
    _edit(_quiz(dirs), "correct: [b]", "correct: [a, b]")
    _only(_errors(dirs), "questions[0].correct", "exactly one correct choice")


def test_unknown_question_key(dirs):
    _edit(_quiz(dirs), "    type: single\n", "    type: single\n    hint: nope\n")
    _only(_errors(dirs), "questions[0].hint", "unknown key 'hint'")


def test_unknown_question_type(dirs):
    _edit(_quiz(dirs), "type: single", "type: essay")
    _only(_errors(dirs), "questions[0].type", "must be one of")


def test_multiple_choice_must_say_how_it_is_scored(dirs):
    _edit(_quiz(dirs), "    scoring: partial\n", "")
    _only(_errors(dirs), "questions[1].scoring", "partial or all_or_nothing")


def test_true_false_choice_ids(dirs):
    _edit(_quiz(dirs), '- id: "true"', '- id: "yes"')
    errors = _errors(dirs)
    assert any('"true" and "false"' in e for e in errors), errors


def test_scenario_question_needs_its_scenario(dirs):
    text = _quiz(dirs).read_text(encoding="utf-8")
    start = text.index("    scenario:\n")
    end = text.index("    prompt:", start)
    _quiz(dirs).write_text(text[:start] + text[end:], encoding="utf-8")
    _only(_errors(dirs), "questions[4].scenario", "must give the text in fr and en")


def test_duplicate_question_ids(dirs):
    _edit(_quiz(dirs), "- id: what-is-covered", "- id: scope-outside-hours")
    _only(_errors(dirs), "questions[1].id", "used twice")


def test_invalid_yaml_names_the_line(dirs):
    _edit(_quiz(dirs), "pass_mark: 80", "pass_mark: [80")
    _only(_errors(dirs), f"{SLUG}.yaml: line", "not valid YAML")


def test_content_check_command(app, dirs):
    # A passing check is tested on a fixture that meets every guard (test_content_guards.py).
    runner = app.test_cli_runner()
    _edit(_quiz(dirs), "pass_mark: 80", "pass_mark: 0")
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert f"quizzes/{SLUG}.yaml: line 3: pass_mark" in result.output


def test_content_list_json(app, dirs):
    result = app.test_cli_runner().invoke(args=["content", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["slug"] for r in rows][:2] == ["why-a-policy", "professional-profile"]
    first = rows[0]
    assert set(first) == {
        "slug", "order", "required", "minutes", "locales", "steps", "quiz_questions", "version"
    }  # fmt: skip
    assert first["locales"] == ["en", "fr"] and first["steps"] == {"en": 6, "fr": 6}
    assert first["quiz_questions"] == 13 and first["required"] is True and first["minutes"] == 7
    assert len(first["version"]) == 64


def test_content_version_is_the_hash_of_the_files(dirs):
    before = load_catalog(*dirs).get(SLUG)
    _edit(_module(dirs), "Everyone is already online", "Everyone is online already")
    after = load_catalog(*dirs).get(SLUG)
    assert before.content_hash != after.content_hash
    assert before.material_version == after.material_version == 2


def test_production_refuses_to_start_on_invalid_content(dirs, database_url):
    _edit(_quiz(dirs), "pass_mark: 80", "pass_mark: 0")
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        **production_config(),
        "CONTENT_DIR": str(dirs[0]),
        "QUIZZES_DIR": str(dirs[1]),
    }
    with pytest.raises(RuntimeError, match="pass_mark"):
        create_app(config=config, env="production")


def test_development_shows_the_errors_on_learning_pages(app, client, auth, employee, dirs):
    _edit(_quiz(dirs), "pass_mark: 80", "pass_mark: 0")
    auth.login(employee.email)
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "The training content has errors" in page and "pass_mark" in page


def test_markdown_is_sanitised_and_images_are_served_with_cache_headers(
    app, client, auth, employee, dirs
):
    images = dirs[0] / "modules" / "images"
    images.mkdir(exist_ok=True)
    (images / "chart.png").write_bytes(b"\x89PNG\r\n\x1a\nfake")
    for locale in ("fr", "en"):
        path = _module(dirs, locale)
        extra = "\n\n![A chart](images/chart.png)\n\n<script>alert(1)</script>\n"
        path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert load_catalog(*dirs).errors == ()
    auth.login(employee.email)
    page = client.get(f"/learn/{SLUG}/6").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" not in page.split("step-body")[0]
    src = page.split('<img src="')[1].split('"')[0]
    assert src.startswith("/learn/images/chart.png?v=")
    response = client.get(src)
    assert response.status_code == 200
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert content.catalog().images["chart.png"] in src


def test_the_catalog_is_parsed_once_per_process_not_per_request(
    client, auth, employee, app, monkeypatch
):
    parsed = []
    original = content.load_catalog

    def counting(*args):
        parsed.append(args)
        return original(*args)

    monkeypatch.setattr(content, "load_catalog", counting)
    monkeypatch.setattr(content, "_cache", {})
    monkeypatch.setattr(content, "_checked_at", {})
    app.config["CONTENT_RELOAD_SECONDS"] = 60  # as served (tests use 0 to see edits at once)
    auth.login(employee.email)
    for path in ["/", "/learn/why-a-policy/1", "/learn/why-a-policy/2", "/policy"] * 5:
        assert client.get(path).status_code == 200, path
    assert len(parsed) == 1


def test_an_image_without_alternative_text_is_refused(dirs):
    images = dirs[0] / "modules" / "images"
    images.mkdir(exist_ok=True)
    (images / "chart.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    _edit(_module(dirs), "Nothing dramatic", "![ ](images/chart.svg)\n\nNothing dramatic")
    _only(_errors(dirs), f"{SLUG}.en.md: line", "has no alternative text")


@pytest.mark.parametrize(
    ("locale", "words"), [("en", "A post shared with friends only"), ("fr", "Une publication")]
)
def test_shipped_illustrations_have_alternative_text_in_each_language(
    client, auth, employee, locale, words
):
    employee.locale = locale
    db.session.commit()
    auth.login(employee.email)
    refresh()  # the tests' shared app context caches the locale of earlier requests
    page = client.get("/learn/why-a-policy/1").get_data(as_text=True)
    img = page.split("<img ")[1].split(">")[0]
    assert f"screenshot-travels.{locale}.svg?v=" in img and f'alt="{words}' in img
    src = img.split('src="')[1].split('"')[0].replace("&amp;", "&")
    response = client.get(src)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "immutable" in response.headers["Cache-Control"]
