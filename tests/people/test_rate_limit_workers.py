"""The sign-in rate limit holds across 3 gunicorn workers when they share Redis, and production
refuses to start with per-process (in-memory) counters and several workers.

Real processes: gunicorn from this checkout with gunicorn.conf.py, on a free port of 127.0.0.1,
against this test's database. Redis: 127.0.0.1:6379 when it answers, else a redis-server started
for the test on a free port; the keys carry a prefix of their own and are deleted afterwards.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests

from tests.conftest import make_user
from tests.production import production_environment

ROOT = Path(__file__).resolve().parents[2]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis on loopback: the machine's, else one started for this test."""
    url = "redis://127.0.0.1:6379/0"
    if _answers(url):
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no Redis on 127.0.0.1:6379 and no redis-server to start")
    port = _free_port()
    process = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            if _answers(url):
                break
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def key_prefix(redis_url) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"charte-test-{secrets.token_hex(6)}"
    yield prefix
    store = redis.Redis.from_url(redis_url)
    keys = list(store.scan_iter(match=f"*{prefix}*"))
    if keys:
        store.delete(*keys)
    assert list(store.scan_iter(match=f"*{prefix}*")) == []


def _environment(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"WEB_CONCURRENCY", "CHARTE_WORKERS", "RATELIMIT_STORAGE_URI"}
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            **production_environment(),
            "CHARTE_DEFAULT_LOCALE": "en",
            "CHARTE_LOG_LEVEL": "warning",
            **extra,
        }
    )
    return env


def _gunicorn(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *args, "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_until_up(process: subprocess.Popen, base: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("gunicorn stopped:\n" + (process.stdout.read() if process.stdout else ""))
        try:
            if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass  # not listening yet, or the workers are still loading the app
        time.sleep(0.3)
    pytest.fail("gunicorn did not answer in time")


def test_70_failed_sign_ins_across_3_workers_sharing_redis(
    app, database_url, redis_url, key_prefix
):
    make_user("target@example.com", "Tara Target")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _environment(
        database_url,
        CHARTE_ENV="development",  # plain-http cookies on 127.0.0.1; the limits are the same
        CHARTE_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="3",
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=key_prefix,
        LOGIN_RATE_LIMIT_PER_IP="20 per minute",
        LOGIN_RATE_LIMIT_PER_ACCOUNT="5 per minute",
    )
    server = _gunicorn(env)
    try:
        _wait_until_up(server, base)
        browser = requests.Session()
        token = CSRF_RE.search(browser.get(f"{base}/login", timeout=10).text).group(1)
        statuses = []
        for i in range(70):
            # Distinct addresses, so that only the per-IP limit (20 a minute) can stop them.
            response = browser.post(
                f"{base}/login",
                data={"email": f"guess{i}@example.com", "password": "wrong", "csrf_token": token},
                timeout=20,
                allow_redirects=False,
            )
            statuses.append(response.status_code)
        through = [s for s in statuses if s != 429]
        assert set(through) == {200}  # each one a refused sign-in, none a server error
        assert len(through) <= 20, f"{len(through)} of 70 got through a 20-per-minute limit"
        assert statuses[-1] == 429
        # One account, tried from the same (already limited) address: still refused.
        assert (
            browser.post(
                f"{base}/login",
                data={"email": "target@example.com", "password": "wrong", "csrf_token": token},
                timeout=20,
            ).status_code
            == 429
        )
        # The counters are in Redis, under this test's prefix, not in the workers' memory.
        assert list(redis.Redis.from_url(redis_url).scan_iter(match=f"*{key_prefix}*"))
    finally:
        server.terminate()
        server.wait(30)
        if server.stdout:
            server.stdout.close()


def test_production_with_in_memory_counters_and_3_workers_does_not_start(app, database_url):
    port = _free_port()
    env = _environment(
        database_url,
        CHARTE_ENV="production",
        CHARTE_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",  # the file's count; `--workers 3` on the command line wins
        RATELIMIT_STORAGE_URI="memory://",
    )
    server = _gunicorn(env, "--workers", "3")
    try:
        output, _ = server.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        server.kill()
        output, _ = server.communicate()
        pytest.fail("gunicorn started with in-memory rate limits and 3 workers:\n" + output)
    assert server.returncode != 0
    assert "RATELIMIT_STORAGE_URI is memory:// (each process counts for itself) with 3" in output
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
