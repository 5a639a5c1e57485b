"""`flask content check|list|export|import`: validate, describe and move the content files."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.core import content_store
from app.learn.content import catalog, guards

content_cli = AppGroup("content", help="Check, list, export and import the content files.")


def _load() -> catalog.Catalog:
    # The files as learners get them: shipped, overlaid by what was published in the browser.
    return catalog.load(*content_store.effective_dirs())


def _print_measures(result: guards.GuardResult) -> None:
    for slug, report in result.cues.items():
        name, score = report.best
        rates = ", ".join(
            f"{loc} {keyed}/{items}" for loc, (items, keyed) in report.longest_is_correct.items()
        )
        true, false = report.true_false
        declared, estimate = result.minutes[slug]
        click.echo(
            f"{slug}: best blind score {score:g} % ({name}; pass mark {report.pass_mark} %); "
            f"longest option is the key: {rates}; true/false keys: {true} true, {false} false; "
            f"{estimate:.1f} min estimated for {declared} declared"
        )
    for note in result.notes:
        click.echo(f"NOTE {note}")


@content_cli.command("check")
def check() -> None:
    """Validate every module and quiz, then the guards; exit 1 listing each problem.

    Guards: every section of the newest policy is taught or tested, no module contradicts a
    rule of content/policy/rules.yaml, no cue-only strategy reaches a quiz's pass mark, and no
    module takes more than 1.5 × its declared minutes.
    """
    loaded = _load()
    if loaded.errors:
        for error in loaded.errors:
            click.echo(f"ERROR {error}", err=True)
        click.echo(f"{len(loaded.errors)} error(s) found.", err=True)
        raise SystemExit(1)
    policy_dir = Path(current_app.config["CONTENT_DIR"]) / "policy"
    result = guards.run(loaded.modules, loaded.policy, policy_dir)
    _print_measures(result)
    if result.errors:
        for error in result.errors:
            click.echo(f"ERROR {error}", err=True)
        click.echo(f"{len(result.errors)} error(s) found.", err=True)
        raise SystemExit(1)
    questions = sum(m.quiz.question_count for m in loaded.modules)
    retired = f" ({len(loaded.retired)} retired module(s) kept for their evidence)"
    click.echo(
        f"OK: {len(loaded.modules)} modules and {questions} quiz questions are valid."
        + (retired if loaded.retired else "")
    )


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


@content_cli.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def export_content(folder: Path) -> None:
    """Write every module, quiz and consent text, as learners get them, and the current
    published policy (content/policy/v<N>.<locale>.md) under FOLDER."""
    from app.learn.authoring import transfer

    paths = transfer.export_to(folder)
    click.echo(f"{len(paths)} file(s) written under {folder}.")


@content_cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def import_content(folder: Path) -> None:
    """Load FOLDER's files as drafts (those that differ; the policy as a policy builder
    draft); nothing is published by this, and a malformed file stops it all."""
    from app.core.client import ClientInfo
    from app.learn.authoring import transfer

    try:
        report = transfer.import_from(folder, actor=None, client=ClientInfo.system())
    except content_store.ContentFolderError as exc:
        click.echo(f"ERROR {exc}", err=True)
        click.echo("Nothing was imported.", err=True)
        raise SystemExit(1) from exc
    for problem in report.problems:
        click.echo(f"SKIPPED {problem}", err=True)
    for line in report.others:
        click.echo(line)
    if report.draft is None:
        click.echo(f"Nothing to import: {report.unchanged} file(s) are already the content.")
        return
    click.echo(
        f"Draft {report.draft.id}: {len(report.changed)} file(s) changed, {report.unchanged} "
        "unchanged. Review and publish it under /admin/content."
    )
