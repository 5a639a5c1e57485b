"""Throughput and latency of the main pages under gunicorn on PostgreSQL, against a bare route.

Builds a fresh PostgreSQL database with N employees, serves the app and a bare Flask "hello" app
with the same gunicorn configuration, drives each page with wrk from a separate process, prints a
table (requests/s, p50/p95/p99, ratio to the bare route) and writes bench/results/pages.json.
Usage: python bench/bench_pages.py [--employees 10000] [--seconds 10] [--connections 20]
Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import ADMIN_URL, BIN, CSRF_RE, ROOT, free_port  # noqa: E402

PASSWORD = "bench-password-2026"
LUA = Path(__file__).with_name("percentiles.lua")


def build(database_url: str, employees: int) -> None:
    """Migrate and bulk-insert employees (one shared password hash), publish, sync purposes."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi.py"}
    subprocess.run(
        [BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    script = f"""
from datetime import date
from sqlalchemy import insert
from werkzeug.security import generate_password_hash
from app import create_app
from app.extensions import db
from app.models.types import utcnow
from app.models.user import Role, User, new_session_token
from app.services import accounts, consent_texts, policy
from app.services.client import ClientInfo
app = create_app()
with app.app_context():
    system = ClientInfo.system()
    hashed = generate_password_hash({PASSWORD!r}, method="scrypt")
    now = utcnow()
    rows = [dict(email=f"bench{{i}}@example.com", full_name=f"Bench Employee {{i}}",
                 department=f"Department {{i % 12}}", job_title="Employee",
                 start_date=date(2026, 9, 1), locale="en", role="employee", active=True,
                 password_hash=hashed, session_token=new_session_token(), created_at=now,
                 updated_at=now) for i in range({employees})]
    rows.append(dict(rows[0], email="bench-hr@example.com", full_name="Bench HR", role="hr",
                     session_token=new_session_token()))
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(User), rows[start:start + 5000])
    db.session.commit()
    policy.publish(1, actor=None, client=system)
    from app.models.setting import Setting
    db.session.add(Setting(key="policy.allow_signing_before_completion", value="true"))
    db.session.commit()
    consent_texts.sync_from_files(actor=None, client=system)
"""
    subprocess.run([BIN / "python", "-c", script], cwd=ROOT, env=env, check=True)


def serve(app_spec: str, env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [BIN / "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app_spec],
        cwd=ROOT,
        env={**env, "CHARTE_BIND": f"127.0.0.1:{port}", "CHARTE_LOG_LEVEL": "warning"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(150):
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError(f"{app_spec} did not start")


USER_AGENT = "charte-bench/1"  # the session is bound to it (Flask-Login strong protection)
CODE_RE = re.compile(r"\b([0-9A-Z]{4}(?:-[0-9A-Z]{4}){4})\b")


def signed_in(base: str, email: str) -> requests.Session:
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    token = CSRF_RE.search(http.get(base + "/login").text).group(1)
    response = http.post(
        base + "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.status_code
    assert http.get(base + "/", allow_redirects=False).status_code == 200
    return http


def cookie_of(http: requests.Session) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def sign_policy(base: str, http: requests.Session, name: str) -> str:
    """Sign the policy through the form and return the receipt's verification code."""
    page = http.get(base + "/policy").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = http.post(
        base + "/policy",
        data={
            "csrf_token": CSRF_RE.search(page).group(1),
            "version": version,
            "locale": "en",
            "agree": "y",
            "typed_name": name,
            "password": PASSWORD,
        },
    )
    return CODE_RE.search(response.text).group(1)


def wrk(url: str, cookie: str | None, seconds: int, connections: int) -> dict:
    command = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        str(LUA),
        "-H",
        f"User-Agent: {USER_AGENT}",
        url,
    ]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(re.search(r"^\{.*\}$", output, re.M).group(0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=10_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    name = f"charte_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    results = []
    try:
        build(database_url, args.employees)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/6",
            "LOGIN_RATE_LIMIT_PER_IP": "100000 per minute",
            "VERIFY_RATE_LIMIT": "10000000 per minute",
        }
        hello_port, app_port = free_port(), free_port()
        hello = serve("bench.hello_app:app", env, hello_port)
        baseline = wrk(f"http://127.0.0.1:{hello_port}/hello", None, args.seconds, args.connections)
        hello.send_signal(signal.SIGTERM)
        hello.wait(timeout=30)
        server = serve("wsgi:app", env, app_port)
        base = f"http://127.0.0.1:{app_port}"
        learner_session = signed_in(base, "bench1@example.com")
        code = sign_policy(base, learner_session, "Bench Employee 1")
        learner = cookie_of(learner_session)
        hr = cookie_of(signed_in(base, "bench-hr@example.com"))
        pages = [
            ("learner home", "/", learner, "learner"),
            ("module step", "/learn/why-a-policy/1", learner, "learner"),
            ("policy page", "/policy", learner, "learner"),
            ("my image", "/me/image", learner, "learner"),
            ("employee list filtered", "/hr/employees?department=Department+3&q=bench", hr, "hr"),
            ("consent register", "/hr/consent", hr, "hr"),
            ("verify a receipt code", f"/verify/{code}", None, "public"),
        ]
        for label, path, cookie, kind in pages:
            measured = wrk(base + path, cookie, args.seconds, args.connections)
            measured.update(
                page=label,
                path=path,
                kind=kind,
                ratio_to_bare=round(measured["rps"] / baseline["rps"], 3),
            )
            results.append(measured)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(
        f"{'page':<26}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'× bare':>8}"
        f"{'non-2xx':>9}"
    )
    print(
        f"{'bare hello route':<26}{baseline['rps']:>9}{baseline['p50_ms']:>9}"
        f"{baseline['p95_ms']:>9}{baseline['p99_ms']:>9}{1:>8}{baseline['non_2xx']:>9}"
    )
    for r in results:
        print(
            f"{r['page']:<26}{r['rps']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
            f"{r['ratio_to_bare']:>8}{r['non_2xx']:>9}"
        )
    out = ROOT / "bench" / "results" / "pages.json"
    out.write_text(
        json.dumps(
            {
                "machine": {
                    "processor": platform.processor() or platform.machine(),
                    "cpus": os.cpu_count(),
                    "python": sys.version.split()[0],
                },
                "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                "employees": args.employees,
                "seconds": args.seconds,
                "connections": args.connections,
                "bare": baseline,
                "pages": results,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
