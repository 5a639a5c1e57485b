"""Provision 10,000 people through SCIM (create, update, regroup, deactivate) and verify the audit.

Every request goes through the whole Flask stack in-process (routing, token check, scim2-models
validation, the people services, audit, commit) as an identity provider's would, without the
socket. Run: `.venv/bin/python bench/bench_scim.py` (BENCH_SCIM_PEOPLE=10000 by default;
BENCH_DATABASE_URL=postgresql://... for PostgreSQL). Writes bench/results/scim-<backend>.json.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402

from app import create_app  # noqa: E402
from app.core import audit  # noqa: E402
from app.core.client import ClientInfo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.integrations import tokens  # noqa: E402
from app.integrations.scim import groups as scim_groups  # noqa: E402
from app.models.user import Role, ScimGroup  # noqa: E402
from app.people import accounts  # noqa: E402
from bench import results_file  # noqa: E402

PEOPLE = int(os.environ.get("BENCH_SCIM_PEOPLE", "10000"))
GROUPS = 10
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
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


def _timed(label: str, results: dict, action) -> None:
    started = time.perf_counter()
    count = action()
    seconds = time.perf_counter() - started
    results["phases"][label] = {
        "requests": count,
        "seconds": round(seconds, 2),
        "per_second": round(count / seconds, 1) if seconds else None,
    }
    print(f"{label:<12} {count:>6} requests in {seconds:7.2f} s", flush=True)


def main() -> None:
    url, drop = _database(os.environ.get("BENCH_DATABASE_URL"))
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
    results: dict = {"people": PEOPLE, "backend": url.split(":", 1)[0], "phases": {}}
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

        def call(method: str, path: str, body: dict, expected: int = 200) -> dict:
            response = client.open(
                "/scim/v2" + path, method=method, data=json.dumps(body), headers=headers
            )
            assert response.status_code == expected, (path, response.status_code, response.json)
            return response.json

        def create() -> int:
            for i in range(PEOPLE):
                ids.append(call("POST", "/Users", _user(i), 201)["id"])
            return PEOPLE

        def update() -> int:
            for user_id in ids:
                call("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": [
                    {"op": "replace", "path": "title", "value": "Editor"}]})  # fmt: skip
            return len(ids)

        group_ids: list[str] = []
        size = -(-PEOPLE // GROUPS)

        def regroup() -> int:
            requests = 0
            for n in range(GROUPS):
                body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                        "displayName": f"Team {n}"}  # fmt: skip
                group_ids.append(call("POST", "/Groups", body, 201)["id"])
                requests += 1
            with app.app_context():
                actor = db.session.get(type(admin), admin_id)
                for n, group_id in enumerate(group_ids):
                    scim_groups.set_mapping(
                        db.session.get(ScimGroup, int(group_id)), "department", f"Team {n}",
                        actor=actor, client=ClientInfo.system(),
                    )  # fmt: skip
            for n, group_id in enumerate(group_ids):  # everyone joins a group
                members = [{"value": i} for i in ids[n * size : (n + 1) * size]]
                call("PATCH", f"/Groups/{group_id}", {"schemas": [PATCH], "Operations": [
                    {"op": "add", "path": "members", "value": members}]})  # fmt: skip
                requests += 1
            for n, group_id in enumerate(group_ids):  # then moves to the next one
                moved = ids[((n - 1) % GROUPS) * size : ((n - 1) % GROUPS + 1) * size]
                call("PUT", f"/Groups/{group_id}", {
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": f"Team {n}", "members": [{"value": i} for i in moved]})  # fmt: skip
                requests += 1
            return requests

        def deactivate() -> int:
            for user_id in ids:
                call("PATCH", f"/Users/{user_id}", {"schemas": [PATCH], "Operations": [
                    {"op": "replace", "path": "active", "value": False}]})  # fmt: skip
            return len(ids)

        total = time.perf_counter()
        _timed("create", results, create)
        _timed("update", results, update)
        _timed("regroup", results, regroup)
        _timed("deactivate", results, deactivate)
        results["total_seconds"] = round(time.perf_counter() - total, 1)
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
    print(f"total {results['total_seconds']} s; results in {out}")


if __name__ == "__main__":
    main()
