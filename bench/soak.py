"""Load and fault soak: simulated employees run the whole journey against gunicorn on PostgreSQL.

Scenarios (each on a fresh PostgreSQL database, bounded in time):
  steady       N employees for D seconds: zero 5xx, every signature and consent event exactly once
  pg-restart   PostgreSQL restarted mid-load: only clean 503s meanwhile, the app recovers alone
  worker-kill  a gunicorn worker SIGKILLed mid-load: no lost or duplicated evidence

Afterwards: evidence counts checked against what the clients saw, every evidence row has its audit
entry, and `flask audit verify` passes. Prints a table, writes bench/results/soak.json, exits 1
when a check fails. Usage: python bench/soak.py [--scenario all] [--users 200] [--duration 60]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import requests
import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/5")
PASSWORD = "soak-password-2026"
MODULE = "why-a-policy"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INPUT_RE = re.compile(r"<input\b([^>]*)>")
ATTR_RE = re.compile(r'([a-z_-]+)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """name -> value of every hidden input in a piece of HTML, whatever the attribute order."""
    fields = {}
    for attributes in INPUT_RE.findall(html):
        attrs = dict(ATTR_RE.findall(attributes))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = attrs.get("value", "")
    return fields


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Outcome:
    """What one simulated employee believes happened."""

    email: str
    signed: bool = False
    consent_ok: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    error_bodies: list[str] = field(default_factory=list)


class Employee:
    """A browser-like session: sign in, read module 1, pass its quiz, sign, grant and revoke."""

    def __init__(self, base: str, email: str, name: str, quiz: dict, stop: threading.Event):
        self.base, self.name, self.quiz, self.stop = base, name, quiz, stop
        self.http = requests.Session()
        self.out = Outcome(email)

    def call(self, method: str, path: str, **kwargs) -> requests.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(
                method, self.base + path, timeout=30, allow_redirects=False, **kwargs
            )
        except requests.RequestException:
            self.out.statuses["conn-error"] += 1
            return None
        self.out.latencies.append(time.perf_counter() - started)
        self.out.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.out.error_bodies.append(response.text[:2000])
        return response

    def csrf(self, path: str) -> str | None:
        response = self.call("GET", path)
        match = CSRF_RE.search(response.text) if response is not None else None
        return match.group(1) if match else None

    def retrying(self, action, attempts: int = 20) -> bool:
        """Retry a step while the service is unavailable (what a person would do)."""
        for _ in range(attempts):
            if self.stop.is_set():
                return False
            if action():
                return True
            time.sleep(0.5)
        return False

    def login(self) -> bool:
        token = self.csrf("/login")
        response = token and self.call(
            "POST",
            "/login",
            data={"email": self.out.email, "password": PASSWORD, "csrf_token": token},
        )
        return bool(
            response is not None
            and response
            and response.status_code == 302
            and response.headers.get("Location", "").endswith("/")
        )

    def read_module(self) -> str | None:
        location = None
        steps = self.quiz["steps"]
        for number in range(1, steps + 1):
            token = self.csrf(f"/learn/{MODULE}/{number}")
            action = "quiz" if number == steps else "next"
            response = token and self.call(
                "POST", f"/learn/{MODULE}/{number}", data={"action": action, "csrf_token": token}
            )
            if response is None or not response or response.status_code != 302:
                return None
            location = response.headers["Location"]
        return location

    def pass_quiz(self, attempt_path: str) -> bool:
        page = self.call("GET", attempt_path)
        if page is None or page.status_code != 200:
            return False
        token = re.search(r'name="attempt_token" value="([^"]+)"', page.text)
        csrf = CSRF_RE.search(page.text)
        if not token or not csrf:
            return False
        data = [("csrf_token", csrf.group(1)), ("attempt_token", token.group(1))]
        for question in self.quiz["questions"]:
            data += [(f"q-{question['id']}", choice) for choice in question["correct"]]
        response = self.call("POST", attempt_path, data=data)
        return response is not None and response.status_code == 302

    def sign(self) -> bool:
        page = self.call("GET", "/policy")
        if page is None or page.status_code != 200:
            return False
        if "already signed" in page.text or "You signed" in page.text:
            self.out.signed = True
            return True
        fields = hidden_fields(page.text)
        csrf = CSRF_RE.search(page.text)
        if "version" not in fields or not csrf:
            return False
        response = self.call(
            "POST",
            "/policy",
            data={
                "csrf_token": csrf.group(1),
                "version": fields["version"],
                "locale": fields.get("locale", "en"),
                "agree": "y",
                "typed_name": self.name,
                "password": PASSWORD,
            },
        )
        ok = (
            response is not None
            and response.status_code in (200, 302)
            and (response.status_code == 302 or "already" in response.text)
        )
        self.out.signed = self.out.signed or ok
        return ok

    def decide(self, decision: str) -> bool:
        page = self.call("GET", "/me/image")
        if page is None or page.status_code != 200:
            return False
        forms = re.findall(
            r"<form[^>]*action=\"/me/image/decide\"[^>]*>(.*?)</form>", page.text, re.S
        )
        for body in forms:
            values = hidden_fields(body)
            if values.get("decision") == decision:
                response = self.call("POST", "/me/image/decide", data=values)
                ok = response is not None and response.status_code == 302
                if ok:
                    self.out.consent_ok.append(decision)
                return ok
        return False

    def run(self) -> None:
        steps = [
            self.login,
            lambda: bool(path := self.read_module()) and self.pass_quiz(path),
            self.sign,
            lambda: self.decide("granted"),
            lambda: self.decide("revoked"),
        ]
        for step in steps:
            if not self.retrying(step):
                break
        while not self.stop.is_set():  # then browse until the time is up
            for path in ("/", f"/learn/{MODULE}/1", "/me/image", "/policy"):
                self.call("GET", path)
                if self.stop.is_set():
                    break


def prepare(database_url: str, users: int) -> list[tuple[str, str]]:
    """Migrate, create the employees, publish the policy, import the consent purposes."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi.py"}
    subprocess.run(
        [BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    script = f"""
from app import create_app
from app.extensions import db
from app.models.user import Role
from app.services import accounts, consent_texts, policy, settings
from app.policy.signing import ALLOW_SIGNING_BEFORE_COMPLETION as ALLOW_EARLY_SIGNING
from app.core.client import ClientInfo
from werkzeug.security import generate_password_hash
app = create_app()
with app.app_context():
    system = ClientInfo.system()
    admin = accounts.create_user(accounts.NewUser(email="soak-admin@example.com",
        full_name="Soak Admin", role=Role.ADMIN), actor=None, client=system)
    settings.update({{ALLOW_EARLY_SIGNING.key: True}}, actor=admin, client=system)
    policy.publish(1, actor=None, client=system)
    consent_texts.sync_from_files(actor=None, client=system)
    hashed = generate_password_hash({PASSWORD!r}, method="scrypt")
    for i in range({users}):
        user = accounts.create_user(accounts.NewUser(email=f"soak{{i}}@example.com",
            full_name=f"Soak Employee {{i}}", locale="en"), actor=None, client=system)
        user.password_hash = hashed
    db.session.commit()
"""
    subprocess.run([BIN / "python", "-c", script], cwd=ROOT, env=env, check=True)
    return [(f"soak{i}@example.com", f"Soak Employee {i}") for i in range(users)]


def quiz_answers() -> dict:
    quiz = yaml.safe_load((ROOT / "quizzes" / f"{MODULE}.yaml").read_text(encoding="utf-8"))
    text = (ROOT / "content" / "modules" / f"{MODULE}.en.md").read_text(encoding="utf-8")
    return {"questions": quiz["questions"], "steps": len(re.findall(r"^## ", text, re.M))}


def pg_restart() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )


def check_evidence(database_url: str, outcomes: list[Outcome]) -> dict:
    """Compare what clients saw with what the database holds; run `flask audit verify`."""
    problems: list[str] = []
    with psycopg.connect(database_url.replace("postgresql+psycopg", "postgresql")) as conn:
        acks = dict(
            conn.execute(
                'SELECT u.email, count(*) FROM acknowledgement a JOIN "user" u ON u.id = a.user_id '
                "GROUP BY u.email"
            ).fetchall()
        )
        events = dict(
            conn.execute(
                'SELECT u.email, count(*) FROM consent_event e JOIN "user" u ON u.id = e.user_id '
                "GROUP BY u.email"
            ).fetchall()
        )
        orphans = conn.execute(
            "SELECT count(*) FROM acknowledgement a WHERE NOT EXISTS (SELECT 1 FROM audit_event "
            "x WHERE x.target_type = 'acknowledgement' AND x.target_id = a.id::text)"
        ).fetchone()[0]
        orphans += conn.execute(
            "SELECT count(*) FROM consent_event e WHERE NOT EXISTS (SELECT 1 FROM audit_event x "
            "WHERE x.target_type = 'consent_event' AND x.target_id = e.id::text)"
        ).fetchone()[0]
    for outcome in outcomes:
        count = acks.get(outcome.email, 0)
        if count > 1:
            problems.append(f"{outcome.email}: {count} signatures")
        if outcome.signed and count == 0:
            problems.append(f"{outcome.email}: signature lost")
        recorded = events.get(outcome.email, 0)
        if recorded < len(outcome.consent_ok) or recorded > 2:
            problems.append(f"{outcome.email}: {recorded} consent events for {outcome.consent_ok}")
    if orphans:
        problems.append(f"{orphans} evidence rows without their audit entry")
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi.py"}
    verify = subprocess.run(
        [BIN / "flask", "audit", "verify"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if verify.returncode != 0:
        problems.append("flask audit verify: " + verify.stderr.strip()[:500])
    return {
        "signatures": sum(acks.values()),
        "consent_events": sum(events.values()),
        "audit_verify": (verify.stdout or verify.stderr).strip(),
        "problems": problems,
    }


def run_scenario(name: str, users: int, duration: float, workers: int) -> dict:
    db_name = f"charte_soak_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + db_name
    people = prepare(database_url, users)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "CHARTE_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "CHARTE_THREADS": "4",
        "LOGIN_RATE_LIMIT_PER_IP": "100000 per minute",
        "CHARTE_LOG_LEVEL": "warning",
    }
    server = subprocess.Popen(
        [BIN / "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=open(ROOT / "bench" / "results" / f"soak-{name}-server.log", "w"),  # noqa: SIM115
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if requests.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.2)
    quiz = quiz_answers()
    stop = threading.Event()
    employees = [Employee(base, email, name, quiz, stop) for email, name in people]
    threads = [threading.Thread(target=e.run, daemon=True) for e in employees]
    started = time.time()
    for thread in threads:
        thread.start()
    fault_log = []
    if name == "pg-restart":
        time.sleep(duration / 3)
        fault_log.append(f"{time.time() - started:.1f}s: PostgreSQL restart")
        pg_restart()
    elif name == "worker-kill":
        time.sleep(duration / 3)
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
        ).stdout.split()
        if children:
            os.kill(int(children[0]), signal.SIGKILL)
            fault_log.append(f"{time.time() - started:.1f}s: SIGKILL worker {children[0]}")
    time.sleep(max(0.0, duration - (time.time() - started)))
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    elapsed = time.time() - started
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    outcomes = [e.out for e in employees]
    statuses: Counter = Counter()
    latencies: list[float] = []
    for outcome in outcomes:
        statuses.update(outcome.statuses)
        latencies += outcome.latencies
    evidence = check_evidence(database_url, outcomes)
    bad_5xx = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500 and s != 503)
    traces = sum("Traceback" in body for o in outcomes for body in o.error_bodies)
    problems = list(evidence["problems"])
    if name == "steady" and (bad_5xx or statuses.get(503)):
        problems.append(f"5xx during steady load: {dict(statuses)}")
    if bad_5xx:
        problems.append(f"{bad_5xx} 5xx other than 503")
    if traces:
        problems.append(f"{traces} error pages with a stack trace")
    journeys_done = sum(1 for o in outcomes if o.consent_ok == ["granted", "revoked"])
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
    quantiles = statistics.quantiles(latencies, n=100) if len(latencies) > 100 else [0] * 99
    return {
        "scenario": name,
        "users": users,
        "seconds": round(elapsed, 1),
        "requests": sum(statuses.values()),
        "requests_per_s": round(sum(statuses.values()) / elapsed, 1),
        "p50_ms": round(quantiles[49] * 1000, 1),
        "p95_ms": round(quantiles[94] * 1000, 1),
        "p99_ms": round(quantiles[98] * 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items(), key=str)},
        "journeys_completed": journeys_done,
        "faults": fault_log,
        **evidence,
        "problems": problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scenario", default="all", choices=["all", "steady", "pg-restart", "worker-kill"]
    )
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--workers", type=int, default=5)
    args = parser.parse_args()
    names = ["steady", "pg-restart", "worker-kill"] if args.scenario == "all" else [args.scenario]
    results = []
    for name in names:
        duration = args.duration if name == "steady" else max(30.0, args.duration * 2 / 3)
        result = run_scenario(name, args.users, duration, args.workers)
        results.append(result)
        print(
            f"{name:<12} {result['requests']:>7} req {result['requests_per_s']:>7}/s "
            f"p50 {result['p50_ms']:>7} ms p95 {result['p95_ms']:>7} ms "
            f"journeys {result['journeys_completed']}/{args.users} "
            f"signatures {result['signatures']} consent events {result['consent_events']} "
            f"statuses {result['statuses']}"
        )
        for fault in result["faults"]:
            print(f"             fault: {fault}")
        print(f"             audit: {result['audit_verify']}")
        for problem in result["problems"]:
            print(f"             PROBLEM: {problem}")
    out = ROOT / "bench" / "results" / "soak.json"
    out.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                "results": results,
            },
            indent=2,
        )
    )
    return 1 if any(r["problems"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
