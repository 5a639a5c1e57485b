"""Time the HR dashboard, a filtered employee list and the CSV export at 1,000 to 50,000 people.

For each size: a fresh database (SQLite file in /tmp, or a new database on the PostgreSQL server
given with --database-url), migrated, then `flask demo --employees N`'s generator; then, through
the Flask test client signed in as HR, the median of --runs requests per page, and the peak
Python memory (tracemalloc) while the whole export streams. Prints a table and writes
bench/results/hr.json. Numbers, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app import create_app  # noqa: E402
from app.demo import bulk, seed  # noqa: E402
from app.extensions import db  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "hr.json"
PAGES = {
    "dashboard": "/hr",
    "list (filtered, page 2)": "/hr/employees?department=Marketing&policy=never&sort=activity&page=2",
    "list (overdue in a department)": "/hr/employees?due=overdue&department=Ventes",
    "reminders (preview)": "/hr/reminders?overdue=1",
    "csv export (everyone)": "/hr/employees.csv",
}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _database(base: str | None, size: int) -> tuple[str, callable]:
    """A fresh database URL for this size and a function that removes it afterwards."""
    if not base:
        path = Path(f"/tmp/charte-bench-hr-{size}.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    import psycopg

    name = f"charte_bench_hr_{size}"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.rsplit("/", 1)[0] + "/" + name, drop


def _analyze(engine) -> None:
    """Statistics and visibility maps as autovacuum would leave them on a live database (right
    after a bulk load the planner would otherwise guess row counts)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"))


def _sign_in(client) -> None:
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login",
        data={"email": "rh@example.com", "password": seed.DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, "HR sign-in failed"


def _fetch(client, url: str) -> int:
    response = client.get(url, buffered=False)
    size = sum(len(chunk) for chunk in response.response)
    response.close()
    assert response.status_code == 200, (url, response.status_code)
    return size


def measure(size: int, base_url: str | None, runs: int) -> dict:
    """Build one organisation of `size` generated people and time the pages."""
    url, drop = _database(base_url, size)
    # Figures reused for a minute would time nothing: every dashboard request computes here.
    app = create_app(
        config={
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "HR_DASHBOARD_MAX_AGE_SECONDS": 0,
        },
        env="development",
    )
    result: dict = {"employees": size, "backend": url.split(":", 1)[0]}
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            seed.load_demo()
            bulk.generate(size)
            result["build_seconds"] = round(time.perf_counter() - started, 1)
            db.session.remove()
            _analyze(db.engine)
        client = app.test_client()
        _sign_in(client)
        for name, page in PAGES.items():
            _fetch(client, page)  # warm-up: content catalogue, caches
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                result.setdefault("bytes", {})[name] = _fetch(client, page)
                timings.append(time.perf_counter() - started)
            result.setdefault("median_ms", {})[name] = round(statistics.median(timings) * 1000)
        tracemalloc.start()
        _fetch(client, PAGES["csv export (everyone)"])
        result["export_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        with app.app_context():
            db.engine.dispose()
    finally:
        drop()
    return result


def main() -> None:
    """Run the sizes asked for, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL"),
        help="postgresql://user@host:port/postgres (a database per size is created and dropped)",
    )
    args = parser.parse_args()
    logging.disable(logging.INFO)  # one JSON log line per request would drown the table
    rows = [measure(int(s), args.database_url, args.runs) for s in args.sizes.split(",")]
    header = ["employees", "build s"] + list(PAGES) + ["export peak MiB"]
    print(" | ".join(header))
    for row in rows:
        cells = [str(row["employees"]), str(row["build_seconds"])]
        cells += [f"{row['median_ms'][name]} ms" for name in PAGES]
        cells.append(str(row["export_peak_mib"]))
        print(" | ".join(cells))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    backend = rows[0]["backend"] if rows else "sqlite"
    previous[backend] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": args.runs,
        "results": rows,
    }
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n")


if __name__ == "__main__":
    main()
