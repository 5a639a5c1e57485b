"""Provision people through SCIM Bulk (create, update, regroup, deactivate) and verify the audit.

Every bulk request goes through the whole Flask stack in-process (routing, token check, the
bulk plan, scim2-models validation, the people services, audit, commit) as an identity
provider's would, without the socket; each carries at most the advertised maxOperations.
Run: `.venv/bin/python bench/bench_scim.py --people 10000 [--database postgresql://...]
[--profile /tmp/scim.prof]`; the database defaults to BENCH_DATABASE_URL, else a fresh SQLite
file. Prints the seconds per phase and writes bench/results/scim-<backend>.json.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.core import audit  # noqa: E402
from app.core.client import ClientInfo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.integrations import tokens  # noqa: E402
from app.integrations.scim import bulk  # noqa: E402
from app.integrations.scim import groups as scim_groups  # noqa: E402
from app.models.user import Role, ScimGroup, User  # noqa: E402
from app.people import accounts  # noqa: E402
from bench import results_file  # noqa: E402

GROUPS = 10
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def _database(base: str | None) -> tuple[str, callable]:
    if not base:
        path = Path("/tmp/charte-bench-scim.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    import psycopg

    name = "charte_bench_scim"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.rsplit("/", 1)[0] + "/" + name, drop


def _user(i: int) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": f"person{i}@bench.example",
        "externalId": f"ext-{i}",
        "displayName": f"Person {i}",
        "emails": [{"value": f"person{i}@bench.example", "type": "work", "primary": True}],
        "active": True,
        ENTERPRISE: {"department": "Unassigned"},
    }


def _patch(user_id: str, operation: dict) -> dict:
    return {"method": "PATCH", "path": f"/Users/{user_id}",
            "data": {"schemas": [PATCH], "Operations": [operation]}}  # fmt: skip


def _timed(label: str, results: dict, action: Callable[[], tuple[int, int]]) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    operations, requests = action()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    results["phases"][label] = {
        "operations": operations,
        "bulk_requests": requests,
        "seconds": round(seconds, 2),
        # This process's CPU (the app's share; PostgreSQL's is apart): steadier on a busy machine.
        "app_cpu_seconds": round(cpu, 2),
        "operations_per_second": round(operations / seconds, 1) if seconds else None,
    }
    print(f"{label:<11} {operations:>6} operations in {requests:>3} bulk requests: "
          f"{seconds:7.2f} s ({cpu:.2f} s app CPU)", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--people", type=int, default=int(os.environ.get("BENCH_SCIM_PEOPLE", 10000))
    )
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--profile", help="write a cProfile of the provisioning here")
    args = parser.parse_args()
    people = args.people
    url, drop = _database(args.database)
    # A fresh witness for this fresh database (an older one would rightly report a rewrite).
    witness = Path("/tmp/charte-bench-scim-witness.jsonl")
    witness.unlink(missing_ok=True)
    app = create_app(
        config={
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_ENABLED": False,
            "CHARTE_AUDIT_WITNESS": f"file:{witness}",
        },
        env="development",
    )
    results: dict = {"people": people, "backend": url.split(":", 1)[0], "phases": {}}
    profiler = cProfile.Profile() if args.profile else None
    try:
        with app.app_context():
            upgrade()
            admin = accounts.create_user(
                accounts.NewUser("admin@bench.example", "Bench Admin", role=Role.ADMIN),
                actor=None,
                client=ClientInfo.system(),
            )
            value = tokens.create("bench", ["scim"], actor=admin, client=ClientInfo.system()).value
            admin_id = admin.id
        client = app.test_client()
        headers = {"Authorization": f"Bearer {value}", "Content-Type": "application/scim+json"}
        ids: list[str] = []
        group_ids: list[str] = []

        def send(operations: list[dict]) -> tuple[list[dict], int]:
            """The operations in bulk requests of at most maxOperations; (results, requests)."""
            answered, requests = [], 0
            for start in range(0, len(operations), bulk.MAX_OPERATIONS):
                body = {"schemas": [BULK],
                        "Operations": operations[start : start + bulk.MAX_OPERATIONS]}  # fmt: skip
                response = client.post("/scim/v2/Bulk", data=json.dumps(body), headers=headers)
                assert response.status_code == 200, response.json
                requests += 1
                for result in response.json["Operations"]:
                    assert result["status"] in {"200", "201", "204"}, result
                    answered.append(result)
            return answered, requests

        def create() -> tuple[int, int]:
            answered, requests = send([{"method": "POST", "path": "/Users", "bulkId": f"p{i}",
                                        "data": _user(i)} for i in range(people)])  # fmt: skip
            ids.extend(r["location"].rsplit("/", 1)[1] for r in answered)
            return len(answered), requests

        def update() -> tuple[int, int]:
            ops = [_patch(i, {"op": "replace", "path": "title", "value": "Editor"}) for i in ids]
            return len(ops), send(ops)[1]

        def regroup() -> tuple[int, int]:
            size = -(-people // GROUPS)
            created, requests = send([{"method": "POST", "path": "/Groups", "bulkId": f"g{n}",
                                       "data": {"schemas": [GROUP], "displayName": f"Team {n}"}}
                                      for n in range(GROUPS)])  # fmt: skip
            group_ids.extend(r["location"].rsplit("/", 1)[1] for r in created)
            with app.app_context():  # the administrator maps each group to a department
                actor = db.session.get(User, admin_id)
                for n, group_id in enumerate(group_ids):
                    scim_groups.set_mapping(
                        db.session.get(ScimGroup, int(group_id)), "department", f"Team {n}",
                        actor=actor, client=ClientInfo.system(),
                    )  # fmt: skip
            joins = [{"method": "PATCH", "path": f"/Groups/{g}", "data": {"schemas": [PATCH],
                      "Operations": [{"op": "add", "path": "members", "value": [
                          {"value": i} for i in ids[n * size : (n + 1) * size]]}]}}
                     for n, g in enumerate(group_ids)]  # fmt: skip
            moves = [{"method": "PUT", "path": f"/Groups/{g}", "data": {"schemas": [GROUP],
                      "displayName": f"Team {n}", "members": [{"value": i} for i in
                      ids[((n - 1) % GROUPS) * size : ((n - 1) % GROUPS + 1) * size]]}}
                     for n, g in enumerate(group_ids)]  # fmt: skip
            requests += send(joins)[1] + send(moves)[1]
            return GROUPS * 3, requests

        def deactivate() -> tuple[int, int]:
            ops = [_patch(i, {"op": "replace", "path": "active", "value": False}) for i in ids]
            return len(ops), send(ops)[1]

        if profiler:
            profiler.enable()
        total = time.perf_counter()
        _timed("create", results, create)
        _timed("update", results, update)
        _timed("regroup", results, regroup)
        _timed("deactivate", results, deactivate)
        results["total_seconds"] = round(time.perf_counter() - total, 1)
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        with app.app_context():
            started = time.perf_counter()
            report = audit.verify_all()
            results["audit_verify"] = {
                "ok": report.ok,
                "checked": report.checked,
                "seconds": round(time.perf_counter() - started, 2),
                "problems": report.problems[:5],
            }
            print(f"audit verify: ok={report.ok} {report.checked}", flush=True)
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()
    out = results_file.write(f"scim-{results['backend'].split('+')[0]}", results)
    print(f"total {results['total_seconds']} s (audit verify apart); results in {out}")


if __name__ == "__main__":
    main()
