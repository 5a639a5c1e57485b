"""`flask worker`: one long-running process that runs each scheduled job at its interval.

Jobs run one at a time. A job is due when its last start (by any runner: another worker, or
`flask jobs run` from cron) is older than its interval; it runs only under its lease
(app/operations/heartbeat.py). Every loop records the worker's beat. SIGTERM or SIGINT stops the loop
after the job in progress, then the worker records that it stopped and exits 0. One JSON line
per event on stdout (journald or the platform's log collector keeps them).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from app.extensions import db
from app.models.types import utcnow
from app.operations import heartbeat
from app.operations.jobs import JOBS, Job, JobSkipped


def log_event(event: str, **fields: Any) -> None:
    """One JSON line on stdout, flushed at once (a service's stdout is a pipe, not a terminal)."""
    line = json.dumps({"time": utcnow().isoformat(), "event": event, **fields}, default=str)
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@dataclass(frozen=True)
class Outcome:
    job: str
    outcome: str  # ok, skipped, failed, busy (another runner holds the lease)
    detail: str
    seconds: float


def run_job(job: Job, runner: str) -> Outcome:
    """Run one job under its lease and record its outcome; never raises for the job's errors."""
    if not heartbeat.take_lease(job.name, runner, job.lease_seconds):
        outcome = Outcome(job.name, "busy", "another runner holds its lease", 0.0)
        log_event("job", job=job.name, outcome="busy", detail=outcome.detail, runner=runner)
        return outcome
    started = time.perf_counter()
    try:
        detail, result = job.run(), "ok"
    except JobSkipped as exc:
        detail, result = str(exc), "skipped"
    except Exception as exc:  # a failing job is recorded and logged; the worker carries on
        detail, result = f"{type(exc).__name__}: {exc}", "failed"
        log_event("job_error", job=job.name, traceback=traceback.format_exc(), runner=runner)
    seconds = time.perf_counter() - started
    heartbeat.finish(job.name, runner, result, seconds, detail)
    log_event(
        "job", job=job.name, outcome=result, detail=detail, seconds=round(seconds, 3), runner=runner
    )
    return Outcome(job.name, result, detail, seconds)


def due_jobs(jobs: Iterable[Job]) -> list[Job]:
    """The jobs whose last start, by any runner, is older than their interval."""
    states = heartbeat.job_states()
    now = utcnow()
    due = []
    for job in jobs:
        state = states.get(job.name)
        last = state.last_started_at if state else None
        if last is None or now - last >= timedelta(seconds=job.interval_seconds):
            due.append(job)
    return due


@dataclass
class Worker:
    jobs: list[Job] = field(default_factory=lambda: list(JOBS.values()))
    tick_seconds: float = 30.0
    runner: str = field(default_factory=heartbeat.runner_name)
    stopping: threading.Event = field(default_factory=threading.Event)

    def request_stop(self, signum: int, _frame: Any = None) -> None:
        log_event("worker_stopping", signal=signal.Signals(signum).name, runner=self.runner)
        self.stopping.set()

    def cycle(self) -> list[Outcome]:
        """Beat, then run every due job once (stopping early if asked to stop)."""
        heartbeat.beat(self.runner)
        outcomes = []
        for job in due_jobs(self.jobs):
            if self.stopping.is_set():
                break
            with self._beating_meanwhile():
                outcomes.append(run_job(job, self.runner))
            heartbeat.beat(self.runner)
        return outcomes

    @contextmanager
    def _beating_meanwhile(self) -> Iterator[None]:
        """Keep beating every tick while a long job runs, so a slow job is not a dead worker."""
        engine = db.engine
        done = threading.Event()

        def keep_beating() -> None:
            while not done.wait(self.tick_seconds):
                try:
                    heartbeat.beat_on(engine, self.runner)
                except Exception as exc:  # e.g. SQLite busy under the job's write: next tick
                    log_event("worker_error", error=f"heartbeat: {type(exc).__name__}: {exc}")

        thread = threading.Thread(target=keep_beating, name="charte-heartbeat", daemon=True)
        thread.start()
        try:
            yield
        finally:
            done.set()
            thread.join()

    def run(self, once: bool = False) -> None:
        previous = {
            sig: signal.signal(sig, self.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)
        }
        log_event(
            "worker_started",
            runner=self.runner,
            jobs={job.name: job.interval_seconds for job in self.jobs},
            tick_seconds=self.tick_seconds,
        )
        try:
            while not self.stopping.is_set():
                try:
                    self.cycle()
                except Exception as exc:  # e.g. the database is down: log, wait, try again
                    log_event("worker_error", error=f"{type(exc).__name__}: {exc}")
                    db.session.rollback()
                if once:
                    break
                self.stopping.wait(self.tick_seconds)
        finally:
            try:
                heartbeat.stopped(self.runner)
            except Exception as exc:  # the database may be the reason we stop
                log_event("worker_error", error=f"{type(exc).__name__}: {exc}")
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            log_event("worker_stopped", runner=self.runner)
