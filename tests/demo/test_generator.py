"""`flask demo --employees N`: generated history, idempotent, and the evidence still verifies."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.consent import ConsentEvent
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.user import User


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_employees_build_history_that_verifies(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--employees", "200"])
    assert result.exit_code == 0, result.output
    assert "200 generated employee(s) added" in result.output
    assert _count(User) == 207
    assert _count(QuizAttempt) > 200 and _count(ModuleCompletion) > 200
    assert _count(Acknowledgement) > 20 and _count(ConsentEvent) > 100
    departments = db.session.scalars(
        select(User.department).where(User.email.like("person%")).distinct()
    ).all()
    assert len(departments) == 12

    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert verify.output.startswith("OK:")

    again = runner.invoke(args=["demo", "--employees", "200"])
    assert "0 generated employee(s) added" in again.output
    assert "already loaded, nothing changed" in again.output
    assert _count(User) == 207
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_generated_people_can_sign_in(client, auth, app):
    from app.demo import bulk, seed

    seed.load_demo()
    bulk.generate(3)
    email = db.session.scalar(
        select(User.email)
        .where(User.email.like("person%"), User.password_hash.is_not(None), User.active.is_(True))
        .limit(1)
    )
    assert auth.login(email, seed.DEMO_PASSWORD).status_code == 302


def test_worker_processes_build_the_same_history_and_it_verifies(app, monkeypatch):
    """Batches built in forked workers, several in flight, written in order: the chain holds and
    each person's history is what their seed gives (the count of each kind of row)."""
    from datetime import UTC, datetime

    from app.demo import batch_rows, bulk, seed

    seed.load_demo()
    monkeypatch.setattr(bulk, "BATCH", 7)
    now = datetime.now(UTC)
    assert bulk.generate(30, processes=2, now=now) == 30

    expected = batch_rows.draft(bulk.context(now, 2026), list(range(1, 31)), list(range(1, 31)))
    counts = expected.counts()
    generated = select(User.id).where(User.email.like("person%"))
    for model, kind in (
        (QuizAttempt, "attempts"),
        (ModuleCompletion, "completions"),
        (Acknowledgement, "acks"),
        (ConsentEvent, "events"),
    ):
        found = db.session.scalar(
            select(func.count()).select_from(model).where(model.user_id.in_(generated))
        )
        assert found == counts[kind], kind
    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_dangling_reference_in_a_batch_is_refused(app):
    """With the per-row foreign key checks skipped for a batch (PostgreSQL superuser), the batch's
    own check still refuses a row naming a person who does not exist, and nothing is kept."""
    import pytest

    from app.demo import bulk_writes
    from app.models.learning import ModuleProgress

    table = ModuleProgress.__table__
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    rows = [
        {
            "user_id": 987654,
            "module_slug": "m",
            "content_hash": "h",
            "material_version": 1,
            "current_step": 0,
            "steps_seen": [],
            "started_at": now,
            "updated_at": now,
        }
    ]
    columns = tuple(rows[0])
    checks = bulk_writes.ReferenceChecks([table])
    postgres = db.session.get_bind().dialect.name == "postgresql"
    assert checks.enabled == postgres  # the test database is reached as a superuser
    checks.begin()
    checks.mark(table)
    refused = (
        "module_progress: a row refers to a missing row .*987654" if postgres else "(?i)foreign key"
    )
    with pytest.raises(Exception, match=refused):
        bulk_writes.write(table, bulk_writes.Encoder(table, columns, postgres).encode(rows))
        checks.verify()
    db.session.rollback()
    assert _count(ModuleProgress) == 0


def test_json_columns_are_written_as_json_dumps_writes_them():
    import json

    from app.demo.bulk_writes import json_text

    for value in ([0, 1, 2], {"b": [1.5, None], "a": 'é\t"x"'}, [], {}, None, 3, "text", True):
        assert json_text(value) == json.dumps(value)
