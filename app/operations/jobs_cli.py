"""`flask worker`, `flask jobs list|run NAME` and `flask backup create|restore`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.operations import backup, heartbeat
from app.operations.jobs import JOBS
from app.operations.worker import Worker, run_job

jobs_cli = AppGroup("jobs", help="The scheduled jobs (what `flask worker` runs), for cron users.")
backup_cli = AppGroup("backup", help="Back up and restore the database and the audit witness.")


def _job_names(value: str | None) -> list[str]:
    names = [name.strip() for name in (value or "").split(",") if name.strip()] or list(JOBS)
    unknown = [name for name in names if name not in JOBS]
    if unknown:
        raise click.BadParameter(
            f"unknown job(s) {', '.join(unknown)}; the jobs are {', '.join(JOBS)}"
        )
    return names


@click.command("worker")
@click.option("--only", help="Comma-separated job names (default: all; see `flask jobs list`).")
@click.option("--tick", default=30.0, show_default=True, help="Seconds between looks for due jobs.")
@click.option("--once", is_flag=True, help="One cycle (every due job once), then exit.")
def worker_command(only: str | None, tick: float, once: bool) -> None:
    """Run the scheduled jobs at their intervals, one at a time, until SIGTERM."""
    if tick <= 0:
        raise click.BadParameter("--tick must be positive")
    Worker(jobs=[JOBS[name] for name in _job_names(only)], tick_seconds=tick).run(once=once)


@jobs_cli.command("list")
def jobs_list() -> None:
    """Each job, its interval and its last run (from the database)."""
    states = heartbeat.job_states()
    for job in JOBS.values():
        state = states.get(job.name)
        last = (
            f"last {state.last_outcome} at {state.last_started_at:%Y-%m-%d %H:%M:%S} UTC"
            f" ({state.last_detail or ''})"
            if state and state.last_started_at
            else "never run"
        )
        click.echo(f"{job.name:<10} every {job.interval_seconds:>6}s  {job.description}  {last}")
    age = heartbeat.heartbeat_age()
    click.echo("worker: none running" if age is None else f"worker: last beat {age:.0f} s ago")


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(list(JOBS)))
def jobs_run(name: str) -> None:
    """Run one job now (under its lease, recorded like the worker's runs); exit 1 if it fails."""
    outcome = run_job(JOBS[name], heartbeat.runner_name())
    if outcome.outcome == "busy":
        raise click.ClickException(f"{name} is running elsewhere (another runner holds its lease)")
    if outcome.outcome == "failed":
        raise click.ClickException(f"{name} failed: {outcome.detail}")


@backup_cli.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_create(directory: Path) -> None:
    """Write charte-backup-<time>.tar into DIRECTORY (database, witness; NOT the keys)."""
    try:
        created = backup.create(directory)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    head = created.manifest["audit_head"]
    click.echo(
        f"Backup written to {created.path} ({created.manifest['backend']}, audit head "
        f"{head['seq'] if head else 'none'}, witness "
        f"{'included' if created.manifest['witness'] else 'not included'})."
    )
    keys = created.manifest["key_locations"]
    click.echo(
        "The keys are NOT in the backup (by design): back up separately "
        f"{keys['evidence_keys']} and {keys['signing_key']}."
    )


@backup_cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def backup_restore(file: Path) -> None:
    """Restore FILE into the (new, empty) database of DATABASE_URL, then verify the evidence."""
    try:
        restored = backup.restore(file)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = restored.manifest
    click.echo(
        f"Restored the backup of {manifest['created_at']} (migration "
        f"{manifest['migration_revision']}). Witness: {restored.witness_note}."
    )
    click.echo(
        "Next: run `flask db upgrade` (if this code is newer) and, on PostgreSQL, "
        "migrations/app_role.sql as the owner role."
    )
    if restored.report.ok:
        counts = ", ".join(f"{n} {what}" for what, n in restored.report.checked.items())
        click.echo(f"Audit verify: OK: {counts} verified.")
        return
    for problem in restored.report.problems:
        click.echo(f"BROKEN: {problem}", err=True)
    raise click.ClickException(
        "the restored database does not verify (see above): if the backup is older than the "
        "witness, the evidence written after it is lost; restore a newer backup if there is one."
    )
