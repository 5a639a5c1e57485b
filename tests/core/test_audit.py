"""The hash-chained audit log: `flask audit verify` detects every kind of tampering."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from app.core import audit
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from tests.conftest import BACKEND


@pytest.fixture
def chain(app, employee):
    for i in range(5):
        audit.record(
            "test.event",
            actor=employee,
            subject=employee,
            details={"i": i},
            client=ClientInfo(ip="10.0.0.1", user_agent="pytest"),
        )
    db.session.commit()
    return employee


def _tamper(sql: str, **params) -> None:
    """Change rows behind the application's back, as an attacker with database access would."""
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))  # bypass triggers
    db.session.execute(text(sql), params)
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_clean_chain_verifies(app, chain):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert "audit entries" in result.output


def test_updated_field_is_detected(app, chain):
    _tamper("UPDATE audit_event SET details = :d WHERE seq = 4", d='{"i":42}')
    result = _verify(app)
    assert result.exit_code == 1
    assert "seq=4" in result.output and "altered" in result.output


def test_altered_ip_is_detected(app, chain):
    _tamper("UPDATE audit_event SET ip = '6.6.6.6' WHERE seq = 3")
    result = _verify(app)
    assert result.exit_code == 1 and "seq=3" in result.output


def test_deleted_row_is_detected(app, chain):
    _tamper("DELETE FROM audit_event WHERE seq = 3")
    result = _verify(app)
    assert result.exit_code == 1 and "seq=4" in result.output


def test_deleted_last_row_is_detected_by_the_witness(app, chain):
    # Removing the tail leaves a valid shorter chain; the witness outside the database saw it.
    last = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    _tamper("DELETE FROM audit_event WHERE seq = (SELECT MAX(seq) FROM audit_event)")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"audit entry {last} is missing: the witness saw head seq {last}" in result.output


def test_inserted_row_is_detected(app, chain):
    row = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    _tamper(
        "INSERT INTO audit_event (seq, created_at, action, target_type, target_id, details, "
        "pii_salt, pii_digest, prev_hash, hash) VALUES (:seq, :ts, 'forged', '', '', '{}', 's', "
        "'d', :prev, :h)",
        seq=row.seq + 1,
        ts=row.created_at,
        prev=row.hash,
        h="f" * 64,
    )
    result = _verify(app)
    assert result.exit_code == 1 and f"seq={row.seq + 1}" in result.output


def test_reordered_rows_are_detected(app, chain):
    _tamper("UPDATE audit_event SET seq = seq + 100 WHERE seq IN (2, 3)")
    _tamper("UPDATE audit_event SET seq = 3 WHERE seq = 102")
    _tamper("UPDATE audit_event SET seq = 2 WHERE seq = 103")
    result = _verify(app)
    assert result.exit_code == 1 and "seq=2" in result.output


@pytest.mark.skipif(BACKEND != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize("sql", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
def test_postgresql_trigger_refuses_update_and_delete(app, chain, sql):
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(sql))
        db.session.flush()
    db.session.rollback()
    assert _verify(app).exit_code == 0


def test_concurrent_appends_never_fork_the_chain(app, employee):
    errors: list[Exception] = []

    def worker(n: int) -> None:
        # Each thread is a state-changing request, as it would be in the running server.
        with app.test_request_context("/", method="POST"):
            try:
                for i in range(5):
                    audit.record("test.concurrent", actor=None, details={"w": n, "i": i})
                    db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert _verify(app).exit_code == 0
    count = db.session.scalar(select(db.func.count()).where(AuditEvent.action == "test.concurrent"))
    assert count == 40


@pytest.mark.skipif(BACKEND != "postgresql", reason="the chain lock is PostgreSQL's")
def test_a_writer_waiting_for_the_chain_lock_reads_the_head_its_holder_committed(app, employee):
    # The lock and the head are read in one call (charte_locked_chain_head): the head must be
    # read after the lock is granted, not when the call began, or the waiter forks the chain.
    holder_appended = threading.Event()
    holder_may_commit = threading.Event()
    waiter_read: list[tuple[int, str]] = []
    errors: list[Exception] = []

    def holder() -> None:
        with app.test_request_context("/", method="POST"):
            try:
                audit.record("test.holder", actor=None)
                holder_appended.set()
                holder_may_commit.wait(10)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                holder_appended.set()
                db.session.remove()

    def waiter() -> None:
        with app.test_request_context("/", method="POST"):
            try:
                waiter_read.append(audit._locked_head())
                db.session.rollback()
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    first = threading.Thread(target=holder)
    first.start()
    assert holder_appended.wait(10)
    second = threading.Thread(target=waiter)
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the waiter did not wait for the chain lock"
    holder_may_commit.set()
    first.join(10)
    second.join(10)
    assert not errors, errors
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.action)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).one()
    assert head.action == "test.holder"
    assert waiter_read == [(head.seq, head.hash)]


def test_the_head_of_an_empty_log_is_the_genesis(app):
    with app.test_request_context("/", method="POST"):
        # Each test starts from an empty database (a new SQLite file, a truncated PostgreSQL).
        assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 0
        assert audit._locked_head() == (0, audit.GENESIS_HASH)
        db.session.rollback()
