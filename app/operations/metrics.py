"""Prometheus metrics (prometheus-client): request latency, responses by status, evidence writes
by kind, and figures computed from the database at each scrape.

Several gunicorn workers: each process counts for itself, so set PROMETHEUS_MULTIPROC_DIR to an
empty folder shared by the workers (emptied before each start) and the scrape sums every worker's
files (prometheus-client's multiprocess mode). The variable must be set before the process starts:
prometheus-client chooses its storage when imported.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Flask, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.core import audit, hooks
from app.evidence import witness
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.reminder import ReminderSent
from app.models.webhook import WebhookDelivery

log = logging.getLogger(__name__)

# The process's own metrics live in this registry, not the global one: tests build many apps in one
# process, and /metrics must show Charte's figures only.
REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "charte_request_duration_seconds",
    "Time to answer a request, by endpoint (Flask endpoint name, 'unmatched' for unknown paths).",
    ["endpoint", "method"],
    registry=REGISTRY,
)
RESPONSES = Counter(
    "charte_http_responses",
    "Responses sent, by status code (4xx and 5xx are the errors).",
    ["endpoint", "status"],
    registry=REGISTRY,
)
EVIDENCE_WRITES = Counter(
    "charte_evidence_writes",
    "Audit-log entries committed (every evidence write is one), by kind (the audit action).",
    ["kind"],
    registry=REGISTRY,
)
_STARTED = "metrics_started"


# ---- evidence writes, counted once committed --------------------------------------------------


def _after_commit(session: Session) -> None:
    # audit.record_many notes the actions it appends (every audit entry is written there).
    for action in session.info.pop(audit.APPENDED_ACTIONS, ()):
        EVIDENCE_WRITES.labels(kind=action).inc()


def _after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(audit.APPENDED_ACTIONS, None)


def install_session_listeners() -> None:
    """Once per process: count audit entries at commit (a rolled-back write is not counted)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


# ---- requests -----------------------------------------------------------------------------------


def register_request_metrics(app: Flask) -> None:
    @app.before_request
    def start_metrics_timer() -> None:
        g.setdefault(_STARTED, time.perf_counter())

    @app.after_request
    def observe_request(response: Any) -> Any:
        started = g.get(_STARTED)
        if request.endpoint == "static" or started is None:
            return response
        endpoint = request.endpoint or "unmatched"
        REQUEST_SECONDS.labels(endpoint=endpoint, method=request.method).observe(
            time.perf_counter() - started
        )
        RESPONSES.labels(endpoint=endpoint, status=str(response.status_code)).inc()
        return response


# ---- figures computed at scrape -----------------------------------------------------------------


def last_witness_timestamp(app: Flask) -> float | None:
    """When the last line of the witness file was written (None: no file, or syslog only)."""
    try:
        path = witness.target(app).file
    except ValueError:
        return None
    if path is None or not path.exists():
        return None
    with path.open("rb") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - 8192))
        lines = [line for line in handle.read().splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return datetime.fromisoformat(json.loads(lines[-1])["witnessed_at"]).timestamp()
    except (ValueError, KeyError, TypeError):
        return None


class DatabaseFigures(Collector):
    """Gauges read from the database at each scrape (the same in every worker)."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        try:
            figures = list(self._figures())
        except SQLAlchemyError as exc:  # the database is down: counters still answer
            db.session.rollback()
            log.warning("metrics: database figures unavailable (%s)", type(exc).__name__)
            figures = []
        yield from figures

    def _figures(self) -> Iterator[Metric]:
        chain = GaugeMetricFamily(
            "charte_audit_chain_length", "Entries in the audit chain (its last sequence number)."
        )
        chain.add_metric([], db.session.scalar(select(func.max(AuditEvent.seq))) or 0)
        yield chain
        witnessed = last_witness_timestamp(self.app)
        if witnessed is not None:
            yield GaugeMetricFamily(
                "charte_audit_last_witness_timestamp_seconds",
                "When the audit chain's head was last written to the witness (Unix time).",
                value=witnessed,
            )
        reminders = GaugeMetricFamily(
            "charte_reminders_sent", "Reminders sent so far, by channel.", labels=["channel"]
        )
        rows = db.session.execute(
            select(ReminderSent.channel, func.count()).group_by(ReminderSent.channel)
        )
        for channel, count in rows:
            reminders.add_metric([channel], count)
        yield reminders
        deliveries = GaugeMetricFamily(
            "charte_webhook_deliveries",
            "Webhook deliveries by outcome (pending, delivered, failed…).",
            labels=["status"],
        )
        rows = db.session.execute(
            select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)
        )
        for status, count in rows:
            deliveries.add_metric([status], count)
        yield deliveries
        for families in hooks.metric_families.collect():
            yield from families


class _Own(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def exposition(app: Flask) -> bytes:
    """The text format Prometheus scrapes: this process's (or every worker's) counters, then the
    figures from the database."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry.register(_Own())
    registry.register(DatabaseFigures(app))
    return generate_latest(registry)
