"""Several processes (gunicorn workers, cron jobs) share PROMETHEUS_MULTIPROC_DIR: one scrape
shows the sum of what each counted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-for-worker-tests-0123456789"
# One "worker": its own process, its own app, a few requests; prints the /metrics body if asked.
WORKER = """
import sys
from app import create_app
app = create_app(config={"SQLALCHEMY_DATABASE_URI": sys.argv[1], "METRICS_TOKEN": sys.argv[3]},
                 env="test")
app.instance_path = sys.argv[4]
client = app.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/healthz").status_code == 200
if len(sys.argv) > 5:
    response = client.get("/metrics", headers={"Authorization": "Bearer " + sys.argv[3]})
    assert response.status_code == 200
    sys.stdout.write(response.get_data(as_text=True))
"""


def _run(database_url: str, requests: int, tmp_path: Path, env: dict, scrape: bool = False) -> str:
    args = [sys.executable, "-c", WORKER, database_url, str(requests), TOKEN, str(tmp_path / "i")]
    result = subprocess.run(
        args + (["scrape"] if scrape else []),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_one_scrape_sums_every_process(database_url, tmp_path):
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared)}
    _run(database_url, 2, tmp_path, env)
    _run(database_url, 3, tmp_path, env)
    body = _run(database_url, 0, tmp_path, env, scrape=True)
    healthz = [
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "charte_http_responses_total"
        and sample.labels == {"endpoint": "main.healthz", "status": "200"}
    ]
    assert healthz == [5.0]
    assert "charte_audit_chain_length" in body
