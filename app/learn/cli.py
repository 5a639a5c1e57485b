"""`flask content check` and `flask content list --json`: validate and describe the modules."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from app.learn.content import catalog

content_cli = AppGroup("content", help="Check and list the modules and quizzes.")


def _load() -> catalog.Catalog:
    return catalog.load(current_app.config["CONTENT_DIR"], current_app.config["QUIZZES_DIR"])


@content_cli.command("check")
def check() -> None:
    """Validate every module and quiz; exit 1 listing each problem with its file and line."""
    loaded = _load()
    if loaded.errors:
        for error in loaded.errors:
            click.echo(f"ERROR {error}", err=True)
        click.echo(f"{len(loaded.errors)} error(s) found.", err=True)
        raise SystemExit(1)
    questions = sum(m.quiz.question_count for m in loaded.modules)
    click.echo(f"OK: {len(loaded.modules)} modules and {questions} quiz questions are valid.")


@content_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def list_modules(as_json: bool) -> None:
    """One line (or JSON object) per valid module: order, required, minutes, steps, version."""
    loaded = _load()
    rows = [
        {
            "slug": m.slug,
            "order": m.order,
            "required": m.required,
            "minutes": m.minutes,
            "locales": sorted(m.texts),
            "steps": {locale: len(text.steps) for locale, text in sorted(m.texts.items())},
            "quiz_questions": m.quiz.question_count,
            "version": m.content_hash,
        }
        for m in loaded.modules
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            flag = "required" if row["required"] else "optional"
            click.echo(
                f"{row['order']:>3} {row['slug']:<32} {flag:<8} {row['minutes']} min "
                f"{row['steps']['fr']} steps {row['quiz_questions']} questions {row['version'][:12]}"
            )
    if loaded.errors:
        click.echo(f"{len(loaded.errors)} error(s): run `flask content check`.", err=True)
        raise SystemExit(1)
