"""Where one page's time goes: every SQL statement it runs, with its duration, slowest first.

Runs in-process (the Flask test client) against an existing database, signed in as the given
user, so a slow page at 50,000 employees can be taken apart without a load tool. Build the
database first, for example:

    createdb prof50k
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/prof50k flask db upgrade
    DATABASE_URL=... flask demo && DATABASE_URL=... flask demo --employees 50000

Usage: python bench/profile_page.py DATABASE_URL PATH [PATH ...] [--as EMAIL] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as", dest="email", default="rh@example.com")
    parser.add_argument("--password", default="charte-demo-2026", help="the demo password")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the slowest (PostgreSQL)")
    parser.add_argument("--top", type=int, default=8, help="statements shown per page")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url

    from sqlalchemy import event, select

    from app import create_app
    from app.extensions import db
    from app.models.user import User

    app = create_app()
    app.config.update(HR_DASHBOARD_MAX_AGE_SECONDS=0, RATELIMIT_ENABLED=False)
    timings: list[tuple[float, str, object]] = []

    with app.app_context():
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def started(conn, cursor, statement, parameters, context, executemany):
            conn.info.setdefault("started", []).append(time.perf_counter())

        @event.listens_for(engine, "after_cursor_execute")
        def finished(conn, cursor, statement, parameters, context, executemany):
            took = time.perf_counter() - conn.info["started"].pop()
            timings.append((took, " ".join(statement.split()), parameters))

        if db.session.scalar(select(User.id).where(User.email == args.email)) is None:
            print(f"no user {args.email}", file=sys.stderr)
            return 2

    for path in args.paths:
        durations, statements = [], []
        with app.test_client() as client:
            token = re.search(
                r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text
            )
            signed_in = client.post(
                "/login",
                data={"email": args.email, "password": args.password, "csrf_token": token.group(1)},
            )
            if signed_in.status_code != 302:
                print(f"could not sign in as {args.email}", file=sys.stderr)
                return 2
            client.get(path)  # warm: content catalog, templates, connection
            for _ in range(args.runs):
                timings.clear()
                started_at = time.perf_counter()
                status = client.get(path).status_code
                durations.append((time.perf_counter() - started_at) * 1000)
                statements = list(timings)
        sql_ms = sum(t for t, _, _ in statements) * 1000
        print(
            f"\n{path}: status {status}, median {statistics.median(durations):.0f} ms "
            f"(min {min(durations):.0f}), {len(statements)} statements, {sql_ms:.0f} ms in SQL"
        )
        slowest = sorted(statements, key=lambda found: found[0], reverse=True)
        for took, statement, _ in slowest[: args.top]:
            print(f"  {took * 1000:7.1f} ms  {statement[:220]}")
        if args.explain and slowest:
            with app.app_context():
                raw = db.engine.raw_connection()
                try:
                    cursor = raw.cursor()
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0][1], slowest[0][2])
                    print("\n".join("    " + row[0] for row in cursor.fetchall()))
                finally:
                    raw.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
