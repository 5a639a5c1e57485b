"""Throughput and latency of the main pages under gunicorn on PostgreSQL, against a bare route.

For each size, builds a fresh PostgreSQL database with N generated employees and their history
(the `flask demo --employees` generator) plus bench accounts, serves the app and a bare Flask
"hello" app with the same gunicorn configuration, drives each page with wrk from a separate
process, prints a table (requests/s, p50/p95/p99, ratio to the bare route) and the issue's
targets (learner pages >= 40 % of the bare route at the first size, HR pages p95 < 250 ms at the
last), and writes bench/results/pages.json. Learner pages get --connections concurrent requests,
HR pages --hr-connections (a few HR managers). Each GET page is first viewed once ("1st ms",
cold), then every worker is warmed for 2 s before the measured run. "quiz submit" posts a
different open attempt each time (--quiz-users x 8 prepared), "publication check" records a
check of five people each time.
Usage: python bench/bench_pages.py [--employees 10000,50000] [--seconds 10] [--connections 20]
Needs wrk (`make bench-deps`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_file  # noqa: E402
from soak import ADMIN_URL, BIN, CSRF_RE, ROOT, free_port  # noqa: E402

PASSWORD = "bench-password-2026"
LUA = Path(__file__).with_name("percentiles.lua")
QUIZ_LUA = Path(__file__).with_name("quiz_submit.lua")
THREADS = 2
WARMUP_SECONDS = 2
WARMUP_CONNECTIONS = 12  # more than gunicorn's workers, so that each one serves the page


def build(database_url: str, employees: int, quiz_users: int) -> dict:
    """Migrate, generate `employees` people with history (the `flask demo --employees`
    generator), then add bench accounts (one shared password hash): an HR manager, a fresh
    learner, and `quiz_users` learners who have read every module, each with an open attempt
    at every quiz. Returns those attempts (for the quiz submit run) as JSON-ready dicts."""
    env = {**os.environ, "DATABASE_URL": database_url, "FLASK_APP": "wsgi.py"}
    subprocess.run(
        [BIN / "flask", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    script = f"""
import json, sys
from datetime import date
from sqlalchemy import insert, select
from werkzeug.security import generate_password_hash
from app import create_app
from app.extensions import db
from app.models.setting import Setting
from app.models.types import utcnow
from app.models.user import User, new_session_token
from app.services import content, demo, demo_bulk, learning
app = create_app()
with app.app_context():
    demo.load_demo()
    demo_bulk.generate({employees})
    hashed = generate_password_hash({PASSWORD!r}, method="scrypt")
    now = utcnow()
    def account(email, name, role="employee"):
        return dict(email=email, full_name=name, department="Bench", job_title="Employee",
                    start_date=date(2026, 9, 1), locale="en", role=role, active=True,
                    password_hash=hashed, session_token=new_session_token(), created_at=now,
                    updated_at=now)
    rows = [account("bench-hr@example.com", "Bench HR", "hr"),
            account("bench1@example.com", "Bench Employee 1")]
    rows += [account(f"quiz{{i}}@example.com", f"Quiz Taker {{i}}") for i in range({quiz_users})]
    db.session.execute(insert(User), rows)
    db.session.add(Setting(key="policy.allow_signing_before_completion", value="true"))
    db.session.commit()
    modules = content.catalog().modules
    attempts = []
    takers = db.session.scalars(select(User).where(User.email.like("quiz%@example.com")))
    for user in takers:
        for module in modules:
            for index in range(module.step_count):
                learning.record_step(user, module, index, index)
            attempt = learning.start_attempt(user, module)
            snapshot = learning.snapshot_of(attempt).definition
            answers = {{f"q-{{q['id']}}": q["choices"][0]["id"] for q in snapshot["questions"]}}
            attempts.append(dict(email=user.email, id=attempt.id, token=attempt.token,
                                 answers=answers))
    json.dump(attempts, sys.stdout)
"""
    # (VACUUM ANALYZE follows: statistics as autovacuum would leave them on a live database.)
    done = subprocess.run(
        [BIN / "python", "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return json.loads(done.stdout.strip().splitlines()[-1])


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


def wrk(
    url: str,
    cookie: str | None,
    seconds: int,
    connections: int,
    script: Path = LUA,
    script_args: tuple[str, ...] = (),
) -> dict:
    command = [
        "wrk",
        f"-t{THREADS}",
        f"-c{connections}",
        f"-d{seconds}s",
        "-s",
        str(script),
        "-H",
        f"User-Agent: {USER_AGENT}",
        url,
    ]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    found = {}
    for line in re.findall(r"^\{.*\}$", output, re.M):
        found.update(json.loads(line))
    return found


def first_view(url: str, cookie: str | None) -> float:
    """The page's first view, in ms (for the dashboard: the day's figures computed)."""
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    started = time.perf_counter()
    requests.get(url, headers=headers, timeout=120).raise_for_status()
    return round((time.perf_counter() - started) * 1000, 1)


def quiz_submits(base: str, attempts: list[dict], workdir: Path) -> tuple[Path, Path]:
    """Sign each quiz taker in, and write one submit request per prepared attempt; returns the
    wrk script (reporter + submit logic) and the request file."""
    cookies: dict[str, tuple[str, str]] = {}
    lines = []
    for attempt in attempts:
        if attempt["email"] not in cookies:
            http = signed_in(base, attempt["email"])
            page = http.get(f"{base}/learn/attempts/{attempt['id']}").text
            cookies[attempt["email"]] = (cookie_of(http), CSRF_RE.search(page).group(1))
        cookie, csrf = cookies[attempt["email"]]
        body = urlencode(
            {"csrf_token": csrf, "attempt_token": attempt["token"], **attempt["answers"]}
        )
        lines.append(f"{cookie}\t/learn/attempts/{attempt['id']}\t{body}")
    requests_file = workdir / "quiz-submits.tsv"
    requests_file.write_text("\n".join(lines) + "\n")
    script = workdir / "quiz-submit.lua"
    script.write_text(LUA.read_text() + "\n" + QUIZ_LUA.read_text())
    return script, requests_file


def post_script(body: str, workdir: Path) -> Path:
    """A wrk script that POSTs the same form body on every request (with the reporter)."""
    script = workdir / "post.lua"
    script.write_text(
        LUA.read_text()
        + f'\nwrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
        + 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
    )
    return script


def publication_check(base: str, hr: requests.Session, database_url: str) -> str:
    """The form body of a publication check of five people (each request records a check)."""
    page = hr.get(base + "/hr/consent/check").text
    use = re.search(r'<option value="(\d+:[a-z_]+)"', page).group(1)
    with psycopg.connect(database_url) as conn:
        people = [
            row[0]
            for row in conn.execute(
                "SELECT id FROM \"user\" WHERE role = 'employee' ORDER BY id LIMIT 5"
            )
        ]
    form = [("csrf_token", CSRF_RE.search(page).group(1)), ("purpose_medium", use)]
    form += [("reference", "Bench newsletter"), ("check", "Check consent")]
    form += [("people", str(i)) for i in people]
    return urlencode(form)


def measure(employees: int, args: argparse.Namespace, workdir: Path) -> dict:
    """One organisation of `employees` people: the bare route, then every page."""
    name = f"charte_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    results = []
    started = time.perf_counter()
    try:
        attempts = build(database_url, employees, args.quiz_users)
        built = round(time.perf_counter() - started)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/6",
            "LOGIN_RATE_LIMIT_PER_IP": "100000 per minute",
            "LOGIN_RATE_LIMIT_PER_ACCOUNT": "100000 per minute",
            "VERIFY_RATE_LIMIT": "10000000 per minute",
        }
        hello_port, app_port = free_port(), free_port()
        hello = serve("bench.hello_app:app", env, hello_port)
        hello_url = f"http://127.0.0.1:{hello_port}/hello"
        wrk(hello_url, None, WARMUP_SECONDS, WARMUP_CONNECTIONS)
        baseline = wrk(hello_url, None, args.seconds, args.connections)
        hello.send_signal(signal.SIGTERM)
        hello.wait(timeout=30)
        server = serve("wsgi:app", env, app_port)
        base = f"http://127.0.0.1:{app_port}"
        learner_session = signed_in(base, "bench1@example.com")
        code = sign_policy(base, learner_session, "Bench Employee 1")
        learner = cookie_of(learner_session)
        hr_session = signed_in(base, "bench-hr@example.com")
        hr = cookie_of(hr_session)
        check_body = publication_check(base, hr_session, database_url)
        quiz_script, quiz_requests = quiz_submits(base, attempts, workdir)
        taker = quiz_requests.read_text().split("\t", 2)
        pages = [
            ("learner home", "/", learner, "learner", None),
            ("module step", "/learn/why-a-policy/1", learner, "learner", None),
            ("quiz page", taker[1], taker[0], "learner", None),
            ("quiz submit", "/", None, "learner", (quiz_script, str(quiz_requests), str(THREADS))),
            ("policy page", "/policy", learner, "learner", None),
            ("my image", "/me/image", learner, "learner", None),
            ("HR dashboard", "/hr", hr, "hr", None),
            (
                "employee list filtered",
                "/hr/employees?due=overdue&department=Ventes",
                hr,
                "hr",
                None,
            ),
            ("employee list searched", "/hr/employees?q=martin&sort=activity", hr, "hr", None),
            ("consent register", "/hr/consent", hr, "hr", None),
            (
                "publication check",
                "/hr/consent/check",
                hr,
                "hr",
                (post_script(check_body, workdir),),
            ),
            ("verify a receipt code", f"/verify/{code}", None, "public", None),
        ]
        for label, path, cookie, kind, scripted in pages:
            extra = {}
            first_ms = None
            if scripted:
                extra = {"script": scripted[0], "script_args": tuple(scripted[1:])}
            else:
                first_ms = first_view(base + path, cookie)
                # Warm every worker (templates, catalog, connection) before measuring: wrk
                # corrects for coordinated omission, so a few one-off cold starts would
                # otherwise stand for dozens of requests in the percentiles.
                wrk(base + path, cookie, WARMUP_SECONDS, WARMUP_CONNECTIONS)
            connections = args.hr_connections if kind == "hr" else args.connections
            measured = wrk(base + path, cookie, args.seconds, connections, **extra)
            measured["connections"] = connections
            measured["first_ms"] = first_ms
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
    return {"employees": employees, "build_seconds": built, "bare": baseline, "pages": results}


def verdicts(run: dict, first: bool, largest: bool) -> list[str]:
    """The issue's targets for this run: learner pages >= 40 % of the bare route (first size),
    HR pages p95 < 250 ms (largest size)."""
    found = []
    for page in run["pages"]:
        if first and page["kind"] == "learner":
            ok = page["ratio_to_bare"] >= 0.4
            found.append(
                f"{'ok ' if ok else 'MISS'} {page['page']}: {page['ratio_to_bare']:.0%} of bare"
            )
        if largest and page["kind"] == "hr":
            ok = page["p95_ms"] < 250
            found.append(f"{'ok ' if ok else 'MISS'} {page['page']}: p95 {page['p95_ms']} ms")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", default="10000,50000", help="sizes, comma-separated")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument(
        "--hr-connections",
        type=int,
        default=2,
        help="concurrent requests on HR pages (a few HR managers, not the whole staff)",
    )
    parser.add_argument("--quiz-users", type=int, default=200, help="8 open attempts each")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    sizes = [int(size) for size in args.employees.split(",")]
    runs = []
    with tempfile.TemporaryDirectory() as workdir:
        for size in sizes:
            runs.append(measure(size, args, Path(workdir)))
    lines = []
    for run in runs:
        bare = run["bare"]
        lines.append(f"\n{run['employees']} employees (built in {run['build_seconds']} s)")
        lines.append(
            f"{'page':<26}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'× bare':>8}"
            f"{'non-2xx':>9}{'1st ms':>9}"
        )
        lines.append(
            f"{'bare hello route':<26}{bare['rps']:>9}{bare['p50_ms']:>9}"
            f"{bare['p95_ms']:>9}{bare['p99_ms']:>9}{1:>8}{bare['non_2xx']:>9}"
        )
        for r in run["pages"]:
            lines.append(
                f"{r['page']:<26}{r['rps']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
                f"{r['ratio_to_bare']:>8}{r['non_2xx']:>9}{r['first_ms'] or '':>9}"
            )
            if r.get("resubmitted"):
                lines.append(f"  ({r['resubmitted']} submissions hit an already-submitted attempt)")
        run["targets"] = verdicts(run, run is runs[0], run is runs[-1])
        lines.extend("  " + verdict for verdict in run["targets"])
    print("\n".join(lines))
    results_file.write(
        "pages",
        {
            "seconds": args.seconds,
            "connections": args.connections,
            "runs": runs,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
