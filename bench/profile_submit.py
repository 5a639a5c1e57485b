"""Where a passing quiz submit's CPU goes: in-process, on PostgreSQL, one prepared attempt each.

`prepare` builds a database (bench_pages.build_organisation) and signed-in learners who each hold
an open attempt at every quiz (bench_pages.build_quiz_takers), and writes one
"cookie<TAB>path<TAB>body" line per attempt to a file. `measure` posts a slice of those lines
through the Flask app (the test client: the whole stack but the HTTP server), timing each submit
with time.process_time(), and the database backends' CPU over the batch from /proc; --profile
writes a cProfile (process time) and prints its top functions; --statements lists them.

`compare` runs two (or more) versions of the code side by side on the same database, one worker
process each (PYTHONPATH names the folder whose `app` it imports), submit by submit in turns
(A B, B A, ...), so that other work on the machine weighs on all alike; each line is used once:

    python bench/profile_submit.py prepare --out /tmp/submits.json [--employees 1000]
    python bench/profile_submit.py compare /tmp/submits.json /path/to/before /path/to/after \
        --start 0 --count 300
    PYTHONPATH=. python bench/profile_submit.py measure /tmp/submits.json --start 700 --profile P
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg  # noqa: E402
from bench_pages import USER_AGENT, backends, build_organisation, build_quiz_takers  # noqa: E402
from bench_pages import cpu_seconds as process_cpu_seconds  # noqa: E402
from soak import ADMIN_URL  # noqa: E402


def prepare(args: argparse.Namespace) -> None:
    name = args.database or f"charte_submit_{uuid.uuid4().hex[:8]}"
    database_url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    if not args.database:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        build_organisation(database_url, args.employees)
    secret = os.urandom(32).hex()
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret}
    takers = build_quiz_takers(database_url, env, f"s{uuid.uuid4().hex[:6]}", args.per_pool)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("ANALYZE")
    Path(args.out).write_text(
        json.dumps({"database_url": database_url, "secret_key": secret, "passing": takers["pass"]})
    )
    print(f"{len(takers['pass'])} passing submits prepared in {name} -> {args.out}")


def submit(client, line: str):
    """Post one prepared "cookie<TAB>path<TAB>body" line as the browser would."""
    cookie, path, body = line.split("\t", 2)
    return client.post(
        path,
        data=body,
        headers={
            "Cookie": cookie,
            "User-Agent": USER_AGENT,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )


def measure(args: argparse.Namespace) -> None:
    prepared = json.loads(Path(args.file).read_text())
    os.environ["DATABASE_URL"] = prepared["database_url"]
    os.environ["SECRET_KEY"] = prepared["secret_key"]
    from sqlalchemy import event

    import app as app_package
    from app import create_app
    from app.extensions import db

    app = create_app()
    app.config.update(RATELIMIT_ENABLED=False)
    lines = prepared["passing"][args.start : args.start + args.count]
    client = app.test_client(use_cookies=False)  # the prepared cookie, not a jar
    statements: list[str] = []

    def post(line: str):
        return submit(client, line)

    warm = args.warm
    for line in lines[:warm]:  # catalogue, templates, connection, process caches
        assert post(line).status_code == 302
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py does in each worker
    database = prepared["database_url"].rsplit("/", 1)[1]
    with app.app_context():
        engine = db.engine
    if args.statements:
        event.listen(
            engine,
            "before_cursor_execute",
            lambda conn, cursor, statement, *rest: statements.append(" ".join(statement.split())),
        )
    profile = cProfile.Profile(time.process_time) if args.profile else None
    pids = backends(database)
    pg_before = process_cpu_seconds(pids)
    times = []
    for line in lines[warm:]:
        statements.clear()
        began = time.process_time()
        if profile:
            profile.enable()
        response = post(line)
        if profile:
            profile.disable()
        times.append(time.process_time() - began)
        assert response.status_code == 302, response.status_code
        assert "/learn/attempts/" in response.location, response.location
    pg_cpu = process_cpu_seconds(pids) - pg_before
    measured = len(times)
    print(
        f"{app_package.__file__}: {measured} passing submits: app CPU median "
        f"{statistics.median(times) * 1000:.2f} ms, mean {statistics.fmean(times) * 1000:.2f} ms;"
        f" PostgreSQL CPU {pg_cpu / measured * 1000:.2f} ms/submit"
    )
    if args.statements:
        print(f"{len(statements)} statements in the last submit:")
        for statement in statements:
            print("  ", statement[:160])
    if profile:
        profile.dump_stats(args.profile)
        stats = pstats.Stats(args.profile)
        stats.sort_stats("cumulative").print_stats(args.top)
        stats.sort_stats("tottime").print_stats(args.top)


def serve(args: argparse.Namespace) -> None:
    """Post the submits the driver names on stdin, one a line ("<index>"), answering each with
    "<app CPU seconds>"; the first answer is the PostgreSQL backend's pid (see `compare`)."""
    prepared = json.loads(Path(args.file).read_text())
    os.environ["DATABASE_URL"] = prepared["database_url"]
    os.environ["SECRET_KEY"] = prepared["secret_key"]
    from sqlalchemy import text

    from app import create_app
    from app.extensions import db

    app = create_app()
    app.config.update(RATELIMIT_ENABLED=False)
    client = app.test_client(use_cookies=False)
    lines = prepared["passing"]

    def post(index: int) -> float:
        began = time.process_time()
        response = submit(client, lines[index])
        took = time.process_time() - began
        assert response.status_code == 302, response.status_code
        return took

    for index in range(args.start, args.start + args.warm):
        post(index)
    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.rollback()
    gc.collect()
    gc.freeze()
    print(pid, flush=True)
    for line in sys.stdin:
        print(post(int(line)), flush=True)


def compare(args: argparse.Namespace) -> None:
    """Two code versions side by side, submit by submit (A, B, B, A, ...), so that the other
    work on the machine weighs on both alike: per version the median app CPU per submit and the
    PostgreSQL backend's CPU per submit."""
    import subprocess

    workers = []
    for number, root in enumerate(args.roots):
        start = args.start + number * args.warm
        workers.append(
            subprocess.Popen(
                [sys.executable, __file__, "serve", args.file, "--start", str(start)]
                + ["--warm", str(args.warm)],
                env={**os.environ, "PYTHONPATH": root},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        )
    pids = [int(worker.stdout.readline()) for worker in workers]
    app_cpu: list[list[float]] = [[] for _ in workers]
    pg_cpu = [0.0 for _ in workers]
    index = args.start + len(workers) * args.warm
    for number in range(args.count):
        order = range(len(workers)) if number % 2 == 0 else reversed(range(len(workers)))
        for which in order:
            before = process_cpu_seconds([pids[which]])
            workers[which].stdin.write(f"{index}\n")
            workers[which].stdin.flush()
            app_cpu[which].append(float(workers[which].stdout.readline()))
            pg_cpu[which] += process_cpu_seconds([pids[which]]) - before
            index += 1
    for worker in workers:
        worker.stdin.close()
        worker.wait()
    for root, times, database_cpu in zip(args.roots, app_cpu, pg_cpu, strict=True):
        quartiles = statistics.quantiles(times, n=4)
        print(
            f"{root}: {len(times)} passing submits: app CPU median {statistics.median(times) * 1000:.2f} ms"
            f" (quartiles {quartiles[0] * 1000:.2f}-{quartiles[2] * 1000:.2f}),"
            f" PostgreSQL CPU {database_cpu / len(times) * 1000:.2f} ms/submit"
        )
    print(f"next free index: {index}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("prepare")
    build.add_argument("--out", required=True)
    build.add_argument("--database", help="add learners to this existing database")
    build.add_argument("--employees", type=int, default=1000)
    build.add_argument("--per-pool", type=int, default=400, help="learners (x modules attempts)")
    run = commands.add_parser("measure")
    run.add_argument("file")
    run.add_argument("--start", type=int, default=0)
    run.add_argument("--count", type=int, default=200)
    run.add_argument("--warm", type=int, default=20)
    run.add_argument("--profile", help="write a cProfile (process time) here")
    run.add_argument("--top", type=int, default=40)
    run.add_argument("--statements", action="store_true")
    worker = commands.add_parser("serve")
    worker.add_argument("file")
    worker.add_argument("--start", type=int, required=True)
    worker.add_argument("--warm", type=int, default=20)
    side_by_side = commands.add_parser("compare")
    side_by_side.add_argument("file")
    side_by_side.add_argument("roots", nargs="+", help="folders holding each version's app/")
    side_by_side.add_argument("--start", type=int, default=0)
    side_by_side.add_argument("--count", type=int, default=300, help="submits per version")
    side_by_side.add_argument("--warm", type=int, default=20)
    args = parser.parse_args()
    {"prepare": prepare, "measure": measure, "serve": serve, "compare": compare}[args.command](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
