"""The scheduler seen from /readyz and /metrics (subscribed to hooks.readiness_checks and
hooks.metric_families by this domain's init_app)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db
from app.operations import heartbeat

# A worker beats at least every tick (30 s by default, and during long jobs): three missed
# minutes means it is stuck or died without stopping cleanly.
STALE_AFTER_SECONDS = 180.0


def readiness() -> tuple[str, dict[str, Any]]:
    """Not ready when a worker that did not stop cleanly has not beaten for minutes.

    No worker at all is ready: installations that run `flask jobs run` from cron have none.
    """
    try:
        age = heartbeat.heartbeat_age()
    except SQLAlchemyError:
        # The database check already says why; this one cannot tell anything more.
        db.session.rollback()
        return "scheduler", {"ok": False, "error": "heartbeat unreadable"}
    if age is None:
        return "scheduler", {"ok": True, "worker": "none running"}
    return "scheduler", {"ok": age < STALE_AFTER_SECONDS, "heartbeat_age_seconds": round(age, 1)}


def metric_families() -> Iterator[Metric]:
    """The jobs' last runs and the worker's heartbeat, read from the database at each scrape."""
    duration = GaugeMetricFamily(
        "charte_job_last_duration_seconds", "Duration of each job's last run.", labels=["job"]
    )
    succeeded = GaugeMetricFamily(
        "charte_job_last_success_timestamp_seconds",
        "When each job last finished without error (Unix time).",
        labels=["job"],
    )
    failed = GaugeMetricFamily(
        "charte_job_last_run_failed", "1 when the job's last run failed, else 0.", labels=["job"]
    )
    for name, state in sorted(heartbeat.job_states().items()):
        if state.last_duration_seconds is not None:
            duration.add_metric([name], state.last_duration_seconds)
        if state.last_ok_at is not None:
            succeeded.add_metric([name], state.last_ok_at.timestamp())
        failed.add_metric([name], 1.0 if state.last_outcome == "failed" else 0.0)
    yield from (duration, succeeded, failed)
    age = heartbeat.heartbeat_age()
    if age is not None:
        beat = GaugeMetricFamily(
            "charte_scheduler_heartbeat_age_seconds", "Seconds since the worker last beat."
        )
        beat.add_metric([], age)
        yield beat
