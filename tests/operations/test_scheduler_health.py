"""The scheduler on /readyz and /metrics: a worker that stopped beating makes the instance not
ready; each job's last run is a metric."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models.ops import JobHeartbeat
from app.models.types import utcnow
from app.operations import heartbeat
from app.operations.jobs import JOBS
from app.operations.worker import run_job
from tests.web.test_metrics import TOKEN, _scrape, _value


@pytest.fixture
def app_config():
    return {"METRICS_TOKEN": TOKEN}


def test_no_worker_is_ready_a_live_one_too_a_silent_one_is_not(app, client):
    body = client.get("/readyz").get_json()
    assert body["checks"]["scheduler"] == {"ok": True, "worker": "none running"}
    heartbeat.beat("worker-1")
    live = client.get("/readyz")
    assert live.status_code == 200 and live.get_json()["checks"]["scheduler"]["ok"] is True
    # The worker died without stopping cleanly: its last beat gets old.
    db.session.execute(
        update(JobHeartbeat)
        .where(JobHeartbeat.kind == "worker")
        .values(last_finished_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.get_json()["checks"]["scheduler"]["ok"] is False
    heartbeat.stopped("worker-1")  # a clean stop is not a failure
    assert client.get("/readyz").status_code == 200


def test_each_jobs_last_run_is_a_metric(app, client):
    run_job(JOBS["witness"], heartbeat.runner_name())
    values = _scrape(client)
    assert _value(values, "charte_job_last_run_failed", job="witness") == 0.0
    assert _value(values, "charte_job_last_success_timestamp_seconds", job="witness") > 0
    assert ("charte_job_last_duration_seconds", (("job", "witness"),)) in values
