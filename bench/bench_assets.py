"""Time the asset register's pages at 10,000 assets and 50,000 people (p50 and p95).

A fresh database (SQLite file in /tmp, or a new database on the PostgreSQL server given with
--database-url), migrated; then, written directly in batches (the web forms would take hours):
--people accounts, each with a sealed grant for one purpose in photo; --assets external assets
(no files) with 5 sealed tags each; a sealed publication with its sealed check for every other
asset; and 1 % of the people withdrawing through the consent write path (so the "to take down"
list has work to do). Then, through the Flask test client signed in as communications,
--runs requests per page. Prints a table and writes bench/results/assets.json. Numbers, not a
pass/fail test.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import random
import re
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text  # noqa: E402

from app import create_app  # noqa: E402
from app.consent import decisions, texts  # noqa: E402
from app.consent import evidence as consent_evidence  # noqa: E402
from app.consent.assets import evidence  # noqa: E402
from app.core import codes  # noqa: E402
from app.core.client import ClientInfo  # noqa: E402
from app.evidence import seals  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.asset import AssetPublication, AssetTag, MediaAsset  # noqa: E402
from app.models.consent import ConsentEvent, ConsentPurpose  # noqa: E402
from app.models.publication import PublicationCheck, PublicationCheckPerson  # noqa: E402
from app.models.user import Role, User  # noqa: E402
from app.people import accounts  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "assets.json"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "bench-password-123"
BATCH = 2000
TAGS_PER_ASSET = 5


def _database(base: str | None) -> tuple[str, callable]:
    if not base:
        path = Path("/tmp/charte-bench-assets.db")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    import psycopg

    name = "charte_bench_assets"
    admin = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return admin.rsplit("/", 1)[0] + "/" + name, drop


def _people(count: int, now: datetime) -> list[int]:
    rows = [
        {
            "email": f"person{i}@staff.example.com",
            "full_name": f"Person {i:05d}",
            "role": Role.EMPLOYEE.value,
            "department": f"Dept {i % 40}",
            "job_title": "Staff",
            "locale": "fr",
            "active": True,
            "created_at": now,
        }
        for i in range(1, count + 1)
    ]
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(User), rows[start : start + BATCH])
    db.session.commit()
    return list(db.session.scalars(select(User.id).where(User.role == Role.EMPLOYEE.value)))


def _grants(ids: list[int], purpose: ConsentPurpose, now: datetime) -> None:
    text_row = texts.current_texts("fr")[purpose.id]
    for start in range(0, len(ids), BATCH):
        for user_id in ids[start : start + BATCH]:
            event = ConsentEvent(
                user_id=user_id,
                purpose_id=purpose.id,
                medium="photo",
                decision="granted",
                text_id=text_row.id,
                text_version=text_row.version,
                text_locale=text_row.locale,
                text_sha256=text_row.sha256,
                valid_from=now.date(),
                valid_until=now.date() + timedelta(days=700),
                recorded_at=now,
                recorded_by_id=user_id,
                on_behalf=False,
                code=codes.new_code(),
                holder_name=f"Person {user_id}",
                holder_email=f"p{user_id}@staff.example.com",
            )
            seals.seal(consent_evidence.EVENTS, event)
            db.session.add(event)
        db.session.commit()


def _assets(count: int, ids: list[int], purpose: ConsentPurpose, comms: User, now: datetime):
    rng = random.Random(2026)
    events = dict(
        db.session.execute(
            select(ConsentEvent.user_id, ConsentEvent.id).where(
                ConsentEvent.purpose_id == purpose.id
            )
        ).all()
    )
    for start in range(0, count, BATCH // 4):
        batch = []
        for i in range(start, min(count, start + BATCH // 4)):
            asset = MediaAsset(
                title=f"Event photo {i:05d}",
                medium="photo",
                source="external",
                taken_on=date(2026, 1, 1) + timedelta(days=i % 300),
                place=f"Site {i % 25}",
                photographer=f"Photographer {i % 12}",
                external_ref=f"dam://{i}",
                created_by_id=comms.id,
                created_at=now - timedelta(minutes=count - i),
            )
            db.session.add(asset)
            batch.append((asset, rng.sample(ids, TAGS_PER_ASSET)))
        db.session.flush()
        for index, (asset, people) in enumerate(batch):
            for user_id in people:
                tag = AssetTag(
                    asset_id=asset.id,
                    user_id=user_id,
                    present=True,
                    tagged_by_id=comms.id,
                    tagged_at=now,
                )
                seals.seal(evidence.TAGS, tag)
                db.session.add(tag)
            if index % 2:
                continue
            check = PublicationCheck(
                purpose_id=purpose.id,
                medium="photo",
                reference=f"{asset.title} — Web",
                checked_by_id=comms.id,
                checked_at=now,
            )
            seals.seal(consent_evidence.PUBLICATION_CHECKS, check)
            db.session.add(check)
            db.session.flush()
            for user_id in people:
                answer = PublicationCheckPerson(
                    check_id=check.id,
                    user_id=user_id,
                    allowed=True,
                    state="granted",
                    valid_until=now.date() + timedelta(days=700),
                    consent_event_id=events[user_id],
                )
                seals.seal(consent_evidence.PUBLICATION_ANSWERS, answer)
                db.session.add(answer)
            pub = AssetPublication(
                asset_id=asset.id,
                check_id=check.id,
                purpose_id=purpose.id,
                medium="photo",
                channel="Web",
                location=f"https://www.example.org/news/{asset.id}",
                published_on=now.date(),
                recorded_by_id=comms.id,
                recorded_at=now,
            )
            seals.seal(evidence.PUBLICATIONS, pub)
            db.session.add(pub)
        db.session.commit()


def _withdrawals(ids: list[int], purpose: ConsentPurpose, share: float) -> int:
    text_row = texts.current_texts("fr")[purpose.id]
    chosen = ids[: int(len(ids) * share)]
    for user_id in chosen:
        person = db.session.get(User, user_id)
        decisions.record_decision(
            decisions.Decision(person, purpose, "photo", "revoked", text_row),
            actor=person,
            client=ClientInfo.system(),
        )
    return len(chosen)


def _sign_in(client, email: str) -> None:
    token = CSRF_RE.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, "sign-in failed"


def _time(client, url: str, runs: int) -> dict:
    client.get(url).close()  # warm-up
    # As a gunicorn worker does after loading the app (gunicorn.conf.py post_worker_init): what
    # is loaded so far stays out of the collector's full passes.
    gc.collect()
    gc.freeze()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
    return {"p50_ms": round(statistics.median(timings), 1), "p95_ms": round(p95, 1)}


def main() -> None:
    """Build, time, print, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--withdrawn", type=float, default=0.01)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    logging.disable(logging.INFO)
    url, drop = _database(args.database_url)
    app = create_app(config={"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    result: dict = {"assets": args.assets, "people": args.people, "backend": url.split(":")[0]}
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            texts.sync_from_files(actor=None, client=ClientInfo.system())
            purpose = db.session.scalar(
                select(ConsentPurpose).where(ConsentPurpose.slug == "social-media")
            )
            now = datetime.now(UTC)
            comms = accounts.create_user(
                accounts.NewUser(
                    email="comms@example.com",
                    full_name="Camille Com",
                    role=Role.COMMUNICATIONS,
                    department="Communication",
                    job_title="Comms",
                    start_date=date(2026, 1, 1),
                    locale="en",
                ),
                actor=None,
                client=ClientInfo.system(),
            )
            accounts.set_password(
                comms, PASSWORD, PASSWORD, via="bench", client=ClientInfo.system()
            )
            ids = _people(args.people, now)
            _grants(ids, purpose, now)
            _assets(args.assets, ids, purpose, comms, now)
            result["withdrawals"] = _withdrawals(ids, purpose, args.withdrawn)
            result["build_seconds"] = round(time.perf_counter() - started, 1)
            sample_asset = db.session.scalar(select(AssetPublication.asset_id).limit(1))
            tagged = db.session.scalar(
                select(AssetTag.user_id).where(AssetTag.asset_id == sample_asset).limit(1)
            )
            person = db.session.get(User, tagged)
            accounts.set_password(
                person, PASSWORD, PASSWORD, via="bench", client=ClientInfo.system()
            )
            person_email = person.email
            purpose_id = purpose.id
            db.session.remove()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(
                    text("VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE")
                )
        pages = {
            "register list": "/consent/assets",
            "register list (page 100)": "/consent/assets?page=100",
            "register search": "/consent/assets?q=site+7",
            "asset check (5 people)": f"/consent/assets/{sample_asset}?purpose={purpose_id}",
            "to take down": "/consent/assets/takedown",
        }
        client = app.test_client()
        _sign_in(client, "comms@example.com")
        result["pages"] = {name: _time(client, page, args.runs) for name, page in pages.items()}
        employee = app.test_client()
        _sign_in(employee, person_email)
        result["pages"]["My image (employee)"] = _time(employee, "/me/image", args.runs)
        with app.app_context():
            db.engine.dispose()
    finally:
        drop()
    print(
        f"{result['backend']}: {args.assets} assets, {args.people} people, build {result['build_seconds']} s"
    )
    for name, row in result["pages"].items():
        print(f"  {name:<28} p50 {row['p50_ms']:>7} ms   p95 {row['p95_ms']:>7} ms")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous[result["backend"]] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "runs": args.runs,
        "result": result,
    }
    RESULTS.write_text(json.dumps(previous, indent=2) + "\n")


if __name__ == "__main__":
    main()
