"""Helpers for the learning tests: a private copy of the content, walking a module, answering."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from flask.testing import FlaskClient

from app.learn.content import catalog
from tests.conftest import post_form

ROOT = Path(__file__).resolve().parents[1]
ATTEMPT_RE = re.compile(r"/learn/attempts/(\d+)")
TOKEN_RE = re.compile(r'name="attempt_token" value="([^"]+)"')


def copy_content(target: Path) -> tuple[Path, Path]:
    """Copy the shipped modules and quizzes (not policy or consent texts) under target."""
    content_dir, quizzes_dir = target / "content", target / "quizzes"
    shutil.copytree(ROOT / "content" / "modules", content_dir / "modules")
    shutil.copytree(ROOT / "quizzes", quizzes_dir)
    return content_dir, quizzes_dir


def read_all_steps(client: FlaskClient, slug: str) -> str:
    """Press Next through every step, then 'take the quiz'; return the attempt page URL."""
    module = catalog.module_or_none(slug)
    response = None
    for number in range(1, module.step_count + 1):
        action = "quiz" if number == module.step_count else "next"
        response = post_form(
            client, f"/learn/{slug}/{number}", {"action": action}, page=f"/learn/{slug}/{number}"
        )
    assert response.status_code == 302, response.status_code
    assert ATTEMPT_RE.search(response.location), response.location
    return response.location


def answers_for(slug: str, right: bool = True) -> dict[str, list[str]]:
    """Form fields answering every question of the module's current quiz, all right or all wrong."""
    definition = catalog.module_or_none(slug).quiz.definition
    fields = {}
    for q in definition["questions"]:
        if right:
            fields[f"q-{q['id']}"] = list(q["correct"])
        else:
            wrong = [c["id"] for c in q["choices"] if c["id"] not in q["correct"]]
            fields[f"q-{q['id']}"] = wrong[:1]
    return fields


def submit(client: FlaskClient, attempt_url: str, fields: dict, token: str | None = None):
    """Submit the quiz form of the attempt page, with its token unless one is given."""
    page = client.get(attempt_url).get_data(as_text=True)
    if token is None:
        token = TOKEN_RE.search(page).group(1)
    return post_form(client, attempt_url, {"attempt_token": token, **fields}, page=attempt_url)


def edit_file(path: str | Path, old: str, new: str) -> None:
    """Replace the first `old` in a content file (it must be there), as an author would."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def complete_module(client: FlaskClient, slug: str) -> None:
    """Read every step of a module and pass its quiz (the client must be signed in)."""
    url = read_all_steps(client, slug)
    response = submit(client, url, answers_for(slug))
    assert response.status_code == 302, response.status_code


def complete_programme(client: FlaskClient) -> list[str]:
    """Complete every required module, as a diligent learner would; return their slugs."""
    from app.learn.progress import placed_modules

    slugs = [placed.module.slug for placed in placed_modules() if placed.required]
    for slug in slugs:
        complete_module(client, slug)
    return slugs
