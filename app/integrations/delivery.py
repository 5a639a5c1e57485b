"""Drain the webhook outbox: claim due rows, send them signed, record each attempt, retry later.

Several `flask webhooks deliver` processes may run at once (on several hosts): each claims rows
before sending, with `FOR UPDATE SKIP LOCKED` on PostgreSQL and an atomic conditional UPDATE on
SQLite, so an event is sent by one of them only. Nothing is held locked while a receiver answers.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from sqlalchemy import and_, or_, select, update

from app.core import hooks
from app.extensions import db
from app.integrations import outbound, webhooks
from app.models.types import utcnow
from app.models.webhook import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)

MAX_ATTEMPTS = 8
BACKOFF_BASE = timedelta(seconds=30)  # 30 s, 1 min, 2 min, 4 min... between tries
TIMEOUT_SECONDS = outbound.TIMEOUT_SECONDS
# A claim older than this belongs to a worker that died: another may take the row over.
CLAIM_LEASE = timedelta(minutes=5)
BATCH = 50
# What is recorded (and shown on the admin page) when no HTTP answer came: one outcome for a
# refused address, a failed resolution, a closed port, a timeout or a TLS error alike, so that
# the page cannot be used to probe the network. The details go to the server log.
NOT_DELIVERED = "not delivered (details in the server log)"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What one try gave: a status code, or an error, and how long it took."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class RunReport:
    """What one `deliver` pass did."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0


def signature(secret: str, timestamp: int, body: str) -> str:
    """The `Charte-Signature` header: HMAC-SHA256 over "timestamp.body" with the secret."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones (exponential)."""
    return BACKOFF_BASE * (2 ** max(attempts - 1, 0))


def worker_name() -> str:
    """A name unique to this process run, recorded on the rows it claims."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _due(now: datetime):
    return and_(
        WebhookDelivery.status == PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.claimed_by.is_(None), WebhookDelivery.claimed_at < now - CLAIM_LEASE),
    )


def claim(worker: str, now: datetime, limit: int = BATCH) -> list[int]:
    """Claim up to `limit` due rows for this worker, in one short transaction; their ids."""
    db.session.rollback()  # start a fresh transaction: on SQLite the UPDATE must come first
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(
            db.session.scalars(
                select(WebhookDelivery.id)
                .where(_due(now))
                .order_by(WebhookDelivery.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            db.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(ids))
                .values(claimed_by=worker, claimed_at=now)
            )
    else:
        # One statement takes SQLite's write lock and re-checks the condition under it, so two
        # workers can never both claim a row.
        due_ids = (
            select(WebhookDelivery.id)
            .where(_due(now))
            .order_by(WebhookDelivery.id)
            .limit(limit)
            .scalar_subquery()
        )
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(due_ids), _due(now))
            .values(claimed_by=worker, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
        ids = list(
            db.session.scalars(
                select(WebhookDelivery.id).where(
                    WebhookDelivery.claimed_by == worker,
                    WebhookDelivery.claimed_at == now,
                    WebhookDelivery.status == PENDING,
                )
            )
        )
    db.session.commit()
    return ids


def post(url: str, body: str, headers: dict[str, str]) -> Outcome:
    """Check the address again (fresh DNS answer) and POST to the very address checked; never
    raises (a failure is an outcome like any other). No redirect is followed."""
    started = time.monotonic()
    try:
        destination = outbound.check(url, allow_loopback=webhooks.allow_loopback())
        status = outbound.send(destination, body.encode(), headers, timeout=TIMEOUT_SECONDS)
    except outbound.RefusedDestination as exc:
        log.warning("webhook delivery %s refused: %s", headers.get("Charte-Delivery"), exc)
        return Outcome(None, NOT_DELIVERED, 0)
    except (requests.RequestException, OSError, ValueError) as exc:  # no answer, whatever why
        log.warning(
            "webhook delivery %s to %s failed: %s: %s",
            headers.get("Charte-Delivery"), url[:500], type(exc).__name__, exc,
        )  # fmt: skip
        return Outcome(None, NOT_DELIVERED, int((time.monotonic() - started) * 1000))
    return Outcome(status, None, int((time.monotonic() - started) * 1000))


@dataclass(frozen=True)
class _Job:
    """What sending one row needs, copied out of the session before it commits."""

    delivery_id: int
    event_type: str
    event_id: str
    body: str
    url: str
    secret: str
    disabled: bool


def _send(job: _Job, now: datetime, sender) -> Outcome:
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Charte-Webhooks/1",
        "Charte-Event": job.event_type,
        "Charte-Delivery": str(job.delivery_id),
        "Charte-Event-Id": job.event_id,
        "Charte-Signature": signature(job.secret, timestamp, job.body),
    }
    return sender(job.url, job.body, headers)


def _record(
    delivery_id: int,
    outcome: Outcome,
    now: datetime,
    report: RunReport,
    give_up: bool = False,
    url: str = "",
) -> None:
    row = WebhookDelivery.id == delivery_id
    # Write first: on SQLite a transaction that reads before writing may lose the lock race.
    db.session.execute(
        update(WebhookDelivery)
        .where(row)
        .values(
            attempts=WebhookDelivery.attempts + 1,
            last_status_code=outcome.status_code,
            last_error=outcome.error or (None if outcome.ok else f"HTTP {outcome.status_code}"),
            claimed_by=None,
            claimed_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    attempts = db.session.scalar(select(WebhookDelivery.attempts).where(row))
    if outcome.ok:
        values = {"status": DELIVERED, "delivered_at": now}
        report.delivered += 1
    elif give_up or attempts >= MAX_ATTEMPTS:
        values = {"status": FAILED}
        report.failed += 1
        if not give_up:  # retries exhausted (a disabled endpoint was the admin's own choice)
            hooks.webhook_failed.emit(delivery_id, url)
    else:
        values = {"next_attempt_at": now + backoff(attempts)}
        report.retrying += 1
    db.session.execute(
        update(WebhookDelivery)
        .where(row)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery_id,
            attempted_at=now,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
    )
    db.session.commit()


def deliver_due(
    *,
    now: datetime | None = None,
    worker: str | None = None,
    sender: Callable[[str, str, dict[str, str]], Outcome] = post,
    limit: int = BATCH,
) -> RunReport:
    """One pass: claim what is due, send each row, record the outcome (retry or give up)."""
    now = now or utcnow()
    worker = worker or worker_name()
    report = RunReport()
    ids = claim(worker, now, limit)
    if not ids:
        return report
    jobs = [
        _Job(d.id, d.event_type, d.event_id, d.body, e.url, e.secret, e.disabled_at is not None)
        for d, e in db.session.execute(
            select(WebhookDelivery, WebhookEndpoint)
            .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
            .where(WebhookDelivery.id.in_(ids))
            .order_by(WebhookDelivery.id)
        )
    ]
    db.session.commit()  # no transaction stays open while receivers answer
    for job in jobs:
        if job.disabled:
            _record(job.delivery_id, Outcome(None, "endpoint disabled", 0), now, report, True)
            continue
        _record(job.delivery_id, _send(job, now, sender), now, report, url=job.url)
    return report
