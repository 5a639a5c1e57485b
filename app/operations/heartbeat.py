"""Job leases and heartbeats in the database (table job_heartbeat), readable by /readyz.

A lease is taken by one conditional UPDATE (`lease_until` empty or past → mine), so two workers,
or a worker and `flask jobs run` from cron, never run the same job at once, on SQLite and on
PostgreSQL alike, without a lock held across the job's own commits. A lease outlives a crashed
runner by at most the job's lease time.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models.ops import JobHeartbeat
from app.models.types import utcnow

WORKER_PREFIX = "worker:"


def runner_name() -> str:
    """Unique to this process run: host, pid and a random tail (pids are reused)."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_row(name: str, kind: str) -> None:
    if db.session.get(JobHeartbeat, name) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(JobHeartbeat(name=name, kind=kind))
    except IntegrityError:
        pass  # another runner created it at the same moment: fine, it exists
    db.session.commit()


def take_lease(name: str, runner: str, seconds: float) -> bool:
    """Take the job's lease for `seconds` (True), or False while another runner holds it."""
    _ensure_row(name, "job")
    now = utcnow()
    result = db.session.execute(
        update(JobHeartbeat)
        .where(
            JobHeartbeat.name == name,
            or_(JobHeartbeat.lease_until.is_(None), JobHeartbeat.lease_until < now),
        )
        .values(
            lease_until=now + timedelta(seconds=seconds),
            runner=runner,
            last_started_at=now,
            last_outcome="running",
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def finish(name: str, runner: str, outcome: str, seconds: float, detail: str) -> None:
    """Record the run's outcome and release the lease (only if it is still ours)."""
    db.session.rollback()  # a failed job may have left the session in a failed transaction
    now = utcnow()
    values: dict = {
        "lease_until": None,
        "last_finished_at": now,
        "last_outcome": outcome,
        "last_duration_seconds": round(seconds, 3),
        "last_detail": detail[:2000],
    }
    if outcome == "ok":
        values["last_ok_at"] = now
    db.session.execute(
        update(JobHeartbeat)
        .where(JobHeartbeat.name == name, JobHeartbeat.runner == runner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def beat(runner: str) -> None:
    """The worker is alive (called once per loop, whether or not a job was due)."""
    name = WORKER_PREFIX + runner
    _ensure_row(name, "worker")
    db.session.execute(
        update(JobHeartbeat)
        .where(JobHeartbeat.name == name)
        .values(runner=runner, last_finished_at=utcnow(), last_outcome="alive")
        .execution_options(synchronize_session=False)
    )
    # Every worker run adds a row: forget those silent for a week (stopped or crashed long ago).
    db.session.execute(
        delete(JobHeartbeat)
        .where(
            JobHeartbeat.kind == "worker",
            JobHeartbeat.last_finished_at < utcnow() - timedelta(days=7),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def beat_on(engine: Engine, runner: str) -> None:
    """A beat on a connection of its own, for the thread that beats while a job runs (the job
    holds the session, which is not shared between threads). The row exists: beat() made it."""
    with engine.begin() as connection:
        connection.execute(
            update(JobHeartbeat)
            .where(JobHeartbeat.name == WORKER_PREFIX + runner)
            .values(last_finished_at=utcnow(), last_outcome="alive")
        )


def stopped(runner: str) -> None:
    """A worker that stops cleanly says so: its last beat is not mistaken for a live one."""
    db.session.rollback()
    db.session.execute(
        update(JobHeartbeat)
        .where(JobHeartbeat.name == WORKER_PREFIX + runner)
        .values(last_outcome="stopped", last_finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def last_beat() -> datetime | None:
    """The most recent beat of any running worker (a stopped worker's last beat does not count)."""
    return db.session.scalar(
        select(JobHeartbeat.last_finished_at)
        .where(JobHeartbeat.kind == "worker", JobHeartbeat.last_outcome == "alive")
        .order_by(JobHeartbeat.last_finished_at.desc())
        .limit(1)
    )


def heartbeat_age(now: datetime | None = None) -> float | None:
    """Seconds since a `flask worker` last beat; None when no worker is running (or ever ran).

    For /readyz: a worker beats at least every tick (30 s by default), so an age above a few
    minutes means the scheduler is stuck or gone.
    """
    last = last_beat()
    if last is None:
        return None
    return max(0.0, ((now or utcnow()) - last).total_seconds())


@dataclass(frozen=True)
class JobState:
    name: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_ok_at: datetime | None
    last_outcome: str | None
    last_duration_seconds: float | None
    last_detail: str | None
    running_until: datetime | None


def job_states() -> dict[str, JobState]:
    """Every job's last run, by name (jobs that never ran are absent)."""
    rows = db.session.scalars(select(JobHeartbeat).where(JobHeartbeat.kind == "job"))
    return {
        row.name: JobState(
            row.name,
            row.last_started_at,
            row.last_finished_at,
            row.last_ok_at,
            row.last_outcome,
            row.last_duration_seconds,
            row.last_detail,
            row.lease_until,
        )
        for row in rows
    }
