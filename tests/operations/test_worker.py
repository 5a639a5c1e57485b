"""`flask worker` and `flask jobs`: each job at its interval, under a lease, with a heartbeat."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.evidence import witness
from app.extensions import db
from app.models.ops import JobHeartbeat
from app.operations import heartbeat
from app.operations.jobs import JOBS, Job
from app.operations.worker import Worker, due_jobs, run_job

ROOT = Path(__file__).resolve().parents[2]


def _counting_job(name: str, calls: list, interval: int = 60, fail: bool = False) -> Job:
    def run() -> str:
        calls.append(name)
        if fail:
            raise RuntimeError("the mail relay refused us")
        return "done"

    return Job(name, interval, 60, "test job", run)


def test_one_cycle_runs_every_real_job_once_and_records_each(app, employee):
    outcomes = Worker(tick_seconds=1).cycle()
    assert [o.job for o in outcomes] == list(JOBS)
    by_job = {o.job: o.outcome for o in outcomes}
    # No mail server in tests: reminders reach people in the app only, not skipped.
    assert {by_job[j] for j in JOBS} == {"ok"}
    states = heartbeat.job_states()
    assert set(states) == set(JOBS)
    assert states["witness"].last_ok_at is not None and states["witness"].running_until is None
    # The witness job really signed the head to the witness file.
    assert witness.target().file.exists()
    # Nothing is due again right after: a second cycle runs nothing.
    assert Worker(tick_seconds=1).cycle() == []


def test_a_job_is_due_again_after_its_interval_whoever_ran_it(app):
    calls: list = []
    job = _counting_job("t-interval", calls, interval=3600)
    assert due_jobs([job]) == [job]
    run_job(job, "cron-host:1:a")  # e.g. `flask jobs run` from cron
    assert due_jobs([job]) == []
    row = db.session.get(JobHeartbeat, "t-interval")
    row.last_started_at -= timedelta(seconds=3601)
    db.session.commit()
    assert due_jobs([job]) == [job]


def test_a_job_never_runs_twice_at_once(app):
    calls: list = []
    job = _counting_job("t-lease", calls)
    assert heartbeat.take_lease("t-lease", "worker-a", 60)
    outcome = run_job(job, "worker-b")
    assert outcome.outcome == "busy" and calls == []
    assert not heartbeat.take_lease("t-lease", "worker-b", 60)
    # worker-a finishes: the lease is free again.
    heartbeat.finish("t-lease", "worker-a", "ok", 0.1, "done")
    assert run_job(job, "worker-b").outcome == "ok" and calls == ["t-lease"]


def test_a_crashed_runners_lease_expires(app):
    calls: list = []
    job = _counting_job("t-crash", calls)
    assert heartbeat.take_lease("t-crash", "worker-a", 60)  # then worker-a dies
    row = db.session.get(JobHeartbeat, "t-crash")
    row.lease_until -= timedelta(seconds=61)
    db.session.commit()
    assert run_job(job, "worker-b").outcome == "ok" and calls == ["t-crash"]


def test_a_late_finish_does_not_release_someone_elses_lease(app):
    assert heartbeat.take_lease("t-late", "worker-a", 60)
    row = db.session.get(JobHeartbeat, "t-late")
    row.lease_until -= timedelta(seconds=61)
    db.session.commit()
    assert heartbeat.take_lease("t-late", "worker-b", 60)
    heartbeat.finish("t-late", "worker-a", "ok", 70, "finally done")
    db.session.expire_all()
    assert db.session.get(JobHeartbeat, "t-late").runner == "worker-b"
    assert not heartbeat.take_lease("t-late", "worker-c", 60)


def test_a_failing_job_is_recorded_and_the_next_one_still_runs(app, capsys):
    calls: list = []
    jobs = [_counting_job("t-fails", calls, fail=True), _counting_job("t-after", calls)]
    outcomes = Worker(jobs=jobs, tick_seconds=1).cycle()
    assert [(o.job, o.outcome) for o in outcomes] == [("t-fails", "failed"), ("t-after", "ok")]
    state = heartbeat.job_states()["t-fails"]
    assert state.last_outcome == "failed" and "mail relay refused" in state.last_detail
    assert state.last_ok_at is None and state.running_until is None
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {"job_error", "job"} <= {e["event"] for e in events}


def test_heartbeat_age_reads_the_newest_live_worker(app):
    assert heartbeat.heartbeat_age() is None
    heartbeat.beat("w1")
    last = heartbeat.last_beat()
    assert heartbeat.heartbeat_age(now=last + timedelta(seconds=5)) == 5.0
    heartbeat.stopped("w1")
    assert heartbeat.heartbeat_age() is None  # a cleanly stopped worker is not a live one


def test_jobs_run_and_list_from_the_command_line(app, employee):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "witness"])
    assert result.exit_code == 0, result.output
    assert '"outcome": "ok"' in result.output
    listing = runner.invoke(args=["jobs", "list"]).output
    assert "witness" in listing and "last ok" in listing and "reminders" in listing
    assert "never run" in listing  # the others
    unknown = runner.invoke(args=["jobs", "run", "backup-everything"])
    assert unknown.exit_code != 0 and "Invalid value" in unknown.output
    only = runner.invoke(args=["worker", "--once", "--only", "nope"])
    assert only.exit_code != 0 and "unknown job(s) nope" in only.output


def test_jobs_run_exits_1_when_busy(app):
    heartbeat.take_lease("witness", "another-host:1:x", 600)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "witness"])
    assert result.exit_code == 1 and "running elsewhere" in result.output


def test_the_worker_process_stops_cleanly_on_sigterm(app, database_url, tmp_path):
    env = {
        **os.environ,
        "FLASK_APP": str(ROOT / "wsgi.py"),
        "CHARTE_ENV": "test",
        "DATABASE_URL": database_url,
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "flask", "worker", "--tick", "0.2", "--only", "webhooks"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = []
        for line in process.stdout:  # wait until it has run the job once
            seen.append(json.loads(line))
            if seen[-1]["event"] == "job":
                break
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    events = seen + [json.loads(line) for line in out.splitlines()]
    assert events[0]["event"] == "worker_started"
    assert {"worker_stopping", "worker_stopped"} <= {e["event"] for e in events}
    assert next(e for e in events if e["event"] == "worker_stopping")["signal"] == "SIGTERM"
    db.session.expire_all()
    rows = db.session.scalars(select(JobHeartbeat).where(JobHeartbeat.kind == "worker")).all()
    assert [row.last_outcome for row in rows] == ["stopped"]
    assert heartbeat.heartbeat_age() is None


@pytest.mark.parametrize("tick", ["0", "-1"])
def test_the_worker_refuses_a_useless_tick(app, tick):
    result = app.test_cli_runner().invoke(args=["worker", "--tick", tick])
    assert result.exit_code != 0 and "--tick must be positive" in result.output


def test_the_worker_keeps_beating_while_a_long_job_runs(app):
    worker = Worker(tick_seconds=0.05)

    def long_job() -> str:
        # Runs until the worker's beat moves on while it runs (bounded by tries, not timed).
        before = heartbeat.last_beat()
        for _ in range(400):
            db.session.rollback()
            if heartbeat.last_beat() > before:
                return "beaten meanwhile"
            worker.stopping.wait(0.05)
        return "no beat while running"

    worker.jobs = [Job("t-long", 60, 60, "long", long_job)]
    (outcome,) = worker.cycle()
    assert outcome.detail == "beaten meanwhile"
