"""/metrics: absent unless configured, refused without the token or an allowed address, and
counting what happened (requests, evidence writes) with the database's figures at each scrape."""

from __future__ import annotations

import re

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from tests.conftest import make_user

TOKEN = "metrics-token-for-tests-0123456789abcdef"


@pytest.fixture
def app_config():
    return {"METRICS_TOKEN": TOKEN}


def _scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.status_code
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    values = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            values[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return values


def _value(values, name, **labels) -> float:
    return values.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_refused_without_the_token(client):
    no_token = client.get("/metrics")
    assert no_token.status_code == 401
    assert no_token.headers["WWW-Authenticate"] == "Bearer"
    assert "charte_" not in no_token.get_data(as_text=True)
    wrong = client.get("/metrics", headers={"Authorization": "Bearer " + "x" * len(TOKEN)})
    assert wrong.status_code == 403 and "charte_" not in wrong.get_data(as_text=True)
    assert client.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401
    # The token is not a session: a signed-in administrator without it is refused too.
    assert client.get("/metrics?token=" + TOKEN).status_code == 401


def test_metrics_count_requests_and_evidence_writes(app, client):
    before = _scrape(client)
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    make_user("counted@example.com", "Counted Person")
    after = _scrape(client)

    def delta(name, **labels):
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert delta("charte_http_responses_total", endpoint="main.healthz", status="200") == 2
    assert delta("charte_http_responses_total", endpoint="unmatched", status="404") == 1
    assert (
        delta("charte_request_duration_seconds_count", endpoint="main.healthz", method="GET") == 2
    )
    assert delta("charte_evidence_writes_total", kind="user.created") == 1
    chain_length = db.session.scalar(select(func.max(AuditEvent.seq)))
    assert _value(after, "charte_audit_chain_length") == chain_length
    # The witness wrote the head after the commit: its time is published (a Unix timestamp).
    assert _value(after, "charte_audit_last_witness_timestamp_seconds") > 0
    assert ("charte_webhook_deliveries", ()) not in after  # a labelled family, empty here


def test_a_rolled_back_write_is_not_counted(app, client):
    from app.core import audit

    before = _scrape(client)
    audit.record("user.created", actor=None, target_type="user", target_id="0")
    db.session.flush()
    db.session.rollback()
    after = _scrape(client)
    kind = (("kind", "user.created"),)
    assert after.get(("charte_evidence_writes_total", kind), 0) == before.get(
        ("charte_evidence_writes_total", kind), 0
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, 404),  # not configured: there is no /metrics
        ({"METRICS_ALLOWED_IPS": "127.0.0.1/32"}, 200),  # the test client's address
        ({"METRICS_ALLOWED_IPS": "10.0.0.0/8, 192.168.0.0/16"}, 403),
    ],
)
def test_metrics_allow_list(database_url, tmp_path, config, expected):
    from tests.conftest import _app_for

    app = _app_for(database_url, **config)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        response = app.test_client().get("/metrics")
        db.engine.dispose()
    assert response.status_code == expected
    assert bool(
        re.search(r"^charte_audit_chain_length ", response.get_data(as_text=True), re.M)
    ) == (expected == 200)


def test_metrics_include_the_families_other_areas_add(app, client):
    from prometheus_client.core import GaugeMetricFamily

    from app.core import hooks

    def job_durations():
        family = GaugeMetricFamily("charte_job_last_duration_seconds", "test", labels=["job"])
        family.add_metric(["reminders"], 1.5)
        return [family]

    with hooks.metric_families.override(app, [job_durations]):
        values = _scrape(client)
    assert _value(values, "charte_job_last_duration_seconds", job="reminders") == 1.5
