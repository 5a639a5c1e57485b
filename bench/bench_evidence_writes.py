"""Evidence writes per second with 1, 5, 20 and 50 concurrent writers on PostgreSQL.

Every evidence write appends to the one audit chain, whose lock serialises writers from the
moment the chain head is read to the commit. This measures the ceiling that puts on policy
signatures and consent decisions, through their real write paths (`signing.sign`,
`decisions.record_decision`): sealing, the audit entry, the hooks, the commit.

A fresh PostgreSQL database is migrated and given policy version 1, the consent purposes and
--people accounts (bulk inserted; signing is allowed before the modules). For each writer count,
that many processes each sign for their own slice of the people, as fast as they can, for
--seconds; then as many processes each record decisions for their own person (grant and
withdraw in turn, so each is a real change). Prints signatures/s and decisions/s with p50/p95
latency per level, checks `flask audit verify` on everything written, and writes
bench/results/evidence_writes.json. Numbers, not a pass/fail test.

    .venv/bin/python bench/bench_evidence_writes.py [--writers 1,5,20,50] [--seconds 10]
"""

from __future__ import annotations

import argparse
import multiprocessing
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from results_file import write  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from app import create_app  # noqa: E402
from app.consent import decisions, texts  # noqa: E402
from app.core import audit, settings  # noqa: E402
from app.core.client import ClientInfo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.learn.content import catalog  # noqa: E402
from app.models.acknowledgement import Acknowledgement  # noqa: E402
from app.models.consent import ConsentDecision, ConsentPurpose  # noqa: E402
from app.models.user import Role, User  # noqa: E402
from app.policy import signing, versions  # noqa: E402

CLIENT = ClientInfo(ip="127.0.0.1", user_agent="bench-evidence-writes", auth_method="password")
PROOF = signing.IntentProof(method="password", details={"bench": True})


WITNESS = Path("/tmp/charte-bench-evidence-writes-witness.jsonl")


def _app(url: str):
    # A witness file of this run's own: the instance folder's belongs to another database.
    config = {"SQLALCHEMY_DATABASE_URI": url, "CHARTE_AUDIT_WITNESS": str(WITNESS)}
    return create_app(config=config, env="development")


def _prepare(url: str, people: int) -> None:
    app = _app(url)
    with app.app_context():
        upgrade()
        versions.publish(1, actor=None, client=ClientInfo.system())
        texts.sync_from_files(actor=None, client=ClientInfo.system())
        admin = User(
            email="bench-admin@example.com",
            full_name="Bench Admin",
            role=Role.ADMIN,
            session_token=secrets.token_urlsafe(16),
        )
        db.session.add(admin)
        db.session.flush()
        settings.update(
            {signing.ALLOW_SIGNING_BEFORE_COMPLETION.key: True}, actor=admin, client=CLIENT
        )
        now = datetime.now(UTC)
        rows = [
            {
                "email": f"writer{i}@bench.example.com",
                "full_name": f"Writer {i}",
                "department": "Bench",
                "job_title": "Writer",
                "role": Role.EMPLOYEE.value,
                "active": True,
                "locale": "en",
                "session_token": secrets.token_urlsafe(16),
                "created_at": now,
                "updated_at": now,
            }
            for i in range(people)
        ]
        db.session.execute(insert(User.__table__), rows)
        db.session.commit()
        db.engine.dispose()


def _people_ids(url: str) -> list[int]:
    app = _app(url)
    with app.app_context():
        ids = list(
            db.session.scalars(
                select(User.id)
                .where(User.email.like("writer%@bench.example.com"))
                .order_by(User.id)
            )
        )
        db.engine.dispose()
        return ids


def _unsigned(url: str, people: list[int]) -> list[int]:
    """These people minus those who signed at an earlier level."""
    app = _app(url)
    with app.app_context():
        signed = set(db.session.scalars(select(Acknowledgement.user_id)))
        db.engine.dispose()
    return [person for person in people if person not in signed]


def _sign_worker(url: str, people: list[int], seconds: float, go, mine, out) -> None:
    app = _app(url)
    latencies = []
    with app.app_context():
        version = versions.current_version_number()
        # Signing checks the modules done first: the content catalogue is read before "ready",
        # as a served worker has it from its first page. (Read after "go", 50 processes on 2
        # cores spent the whole measurement loading it: the "collapse" measured until
        # 2026-11-30 was this, not the database.)
        catalog.catalog()
        out.put("ready")
        go.wait()
        deadline = time.time() + seconds
        # Each person signs once: every writer has its own share of the people, so writers
        # share nothing but the database (a shared counter behind a lock made 50 processes on
        # 2 cores queue behind whichever one the scheduler had paused while holding it).
        for person in mine:
            if time.time() >= deadline:
                break
            user = db.session.get(User, person)
            began = time.perf_counter()
            signing.sign(
                user,
                version_number=version,
                locale="en",
                typed_name=user.full_name,
                proof=PROOF,
                client=CLIENT,
            )
            latencies.append(time.perf_counter() - began)
        db.engine.dispose()
    out.put(latencies)


def _decide_worker(url: str, people: list[int], seconds: float, go, worker: int, out) -> None:
    app = _app(url)
    latencies = []
    with app.app_context():
        purpose = db.session.scalar(select(ConsentPurpose).order_by(ConsentPurpose.id).limit(1))
        text = texts.current_texts("en")[purpose.id]
        medium = purpose.media_list[0]
        choice = [ConsentDecision.GRANTED, ConsentDecision.REVOKED]
        user_id = people[-1 - worker]  # the last people sign nothing: one each, decisions only
        out.put("ready")
        go.wait()
        deadline = time.time() + seconds
        turn = 0
        while time.time() < deadline:
            user = db.session.get(User, user_id)
            decision = decisions.Decision(user, purpose, medium, choice[turn % 2], text)
            began = time.perf_counter()
            decisions.record_decision(decision, actor=user, client=CLIENT)
            latencies.append(time.perf_counter() - began)
            turn += 1
        db.engine.dispose()
    out.put(latencies)


def _run(target, url: str, people: list[int], writers: int, seconds: float, shared) -> dict:
    """Start `writers` processes, wait until each has built its app, then let them all go."""
    context = multiprocessing.get_context("spawn")
    out, go = context.Queue(), context.Event()
    processes = [
        context.Process(
            target=target, args=(url, people, seconds, go, shared[w] if shared else w, out)
        )
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        assert out.get() == "ready"
    go.set()
    latencies = []
    for _ in processes:
        latencies.extend(out.get())
    for process in processes:
        process.join()
    latencies.sort()
    count = len(latencies)

    def pct(q: float) -> float:
        return round(latencies[min(count - 1, int(q * count))] * 1000, 1) if count else 0.0

    return {
        "writes": count,
        "per_second": round(count / seconds, 1),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if count else 0.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--writers", default="1,5,20,50")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--people", type=int, default=30000)
    args = parser.parse_args()
    levels = [int(n) for n in args.writers.split(",")]

    name = f"charte_bench_writes_{secrets.token_hex(4)}"
    WITNESS.unlink(missing_ok=True)
    admin_url = args.database_url
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        print(f"preparing {args.people} people in {name} ...", flush=True)
        _prepare(url, args.people)
        people = _people_ids(url)
        results = {"signatures": {}, "consent_decisions": {}}
        signers = people[: -max(levels)]
        for writers in levels:
            # People not signed yet, shared out between this level's writers.
            unsigned = _unsigned(url, signers)
            shares = [unsigned[w::writers] for w in range(writers)]
            signed = _run(_sign_worker, url, signers, writers, args.seconds, shares)
            decided = _run(_decide_worker, url, people, writers, args.seconds, None)
            results["signatures"][str(writers)] = signed
            results["consent_decisions"][str(writers)] = decided
            print(
                f"{writers:>3} writers  signatures {signed['per_second']:>7}/s "
                f"(p50 {signed['p50_ms']} ms, p95 {signed['p95_ms']} ms)  "
                f"consent decisions {decided['per_second']:>7}/s "
                f"(p50 {decided['p50_ms']} ms, p95 {decided['p95_ms']} ms)",
                flush=True,
            )
            if signed["writes"] >= len(unsigned):
                print("  (every prepared person has signed: raise --people)", flush=True)
        app = _app(url)
        with app.app_context():
            report = audit.verify_all()
            results["audit_verify_ok"] = report.ok
            results["audit_problems"] = report.problems[:5]
            db.engine.dispose()
        print(f"flask audit verify: {'ok' if report.ok else report.problems[:5]}")
        results["seconds_per_level"] = args.seconds
        results["database"] = "postgresql"
        out = write("evidence_writes", results)
        print(f"written to {out.relative_to(ROOT)}")
        return 0 if report.ok else 1
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    raise SystemExit(main())
