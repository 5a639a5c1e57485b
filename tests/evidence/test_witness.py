"""The truncation witness: cutting the end off the audit log is named by `flask audit verify`."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select, text

from app.core import audit
from app.core.client import ClientInfo
from app.evidence import signing_keys, witness
from app.extensions import db
from app.models.audit import AuditEvent
from tests.conftest import BACKEND


def _record(n: int, actor) -> None:
    for i in range(n):
        audit.record(
            "test.event",
            actor=actor,
            details={"i": i},
            client=ClientInfo(ip="192.0.2.1", user_agent="pytest"),
        )
        db.session.commit()


def _tamper(sql: str, **params) -> None:
    """Change rows behind the application's back: on PostgreSQL as superuser, triggers off."""
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text(sql), params)
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
        db.session.commit()


def _verify(app, *args: str):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def _witness_lines(app) -> list[dict]:
    path = witness.target(app).file
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _last_seq() -> int:
    return db.session.scalar(select(func.max(AuditEvent.seq)))


@pytest.fixture
def chain(app, employee):
    _record(6, employee)
    return _last_seq()


def test_every_commit_that_appends_writes_one_signed_head(app, chain):
    lines = _witness_lines(app)
    assert lines[-1]["seq"] == chain
    stored = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == chain))
    assert lines[-1]["hash"] == stored
    header, payload = signing_keys.verify(lines[-1]["jws"])
    assert header["kid"] == signing_keys.current_kid()
    assert json.loads(payload)["seq"] == chain
    assert _verify(app).exit_code == 0


def test_a_rolled_back_transaction_witnesses_nothing(app, chain, employee):
    before = len(_witness_lines(app))
    audit.record("test.event", actor=employee)
    db.session.rollback()
    db.session.commit()
    assert len(_witness_lines(app)) == before
    assert _verify(app).exit_code == 0


@pytest.mark.parametrize("cut", [1, 3])
def test_truncated_tail_is_named(app, chain, cut):
    _tamper("DELETE FROM audit_event WHERE seq > :keep", keep=chain - cut)
    result = _verify(app)
    assert result.exit_code == 1
    first = chain - cut + 1
    span = f"entry {chain} is" if cut == 1 else f"entries {first}\u2013{chain} are"
    assert f"audit {span} missing: the witness saw head seq {chain} at" in result.output


def test_whole_log_deleted_is_named(app, chain):
    _tamper("DELETE FROM audit_event")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"entries 1\u2013{chain} are missing" in result.output


def test_rewritten_tail_is_named(app, chain, employee):
    """Cut the tail and append new entries through the app: seq numbers come back, hashes differ."""
    _tamper("DELETE FROM audit_event WHERE seq > :keep", keep=chain - 2)
    _record(2, employee)
    result = _verify(app)
    assert result.exit_code == 1
    assert "hold different hashes for entry" in result.output


def test_forged_witness_line_is_reported(app, chain):
    path = witness.target(app).file
    lines = path.read_text().splitlines()
    forged = json.loads(lines[-1])
    forged["seq"] = chain + 50  # pretend a longer log, without the key to sign it
    path.write_text("\n".join([*lines, json.dumps(forged)]) + "\n")
    result = _verify(app)
    assert result.exit_code == 1
    assert f"line {len(lines) + 1}: bad signature" in result.output
    assert "missing" not in result.output  # an unsigned line is never trusted


def test_line_signed_with_another_key_is_reported(app, chain):
    from joserfc import jws
    from joserfc.jwk import OKPKey

    other = OKPKey.generate_key("Ed25519")
    fields = {"seq": 1, "hash": "0" * 64, "time": "x", "witnessed_at": "y"}
    token = jws.serialize_compact(
        {"alg": "Ed25519", "kid": other.thumbprint()},
        audit.canonical_json(fields).encode(),
        other,
        algorithms=["Ed25519"],
    )
    path = witness.target(app).file
    with path.open("a") as handle:
        handle.write(json.dumps({**fields, "jws": token}) + "\n")
    result = _verify(app)
    assert result.exit_code == 1
    assert "bad signature" in result.output


def test_deleted_witness_is_reported(app, chain):
    witness.target(app).file.unlink()
    result = _verify(app)
    assert result.exit_code == 1
    assert "no audit witness" in result.output


def test_witness_command_and_a_copy_given_on_the_command_line(app, chain, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "witness"])
    assert result.exit_code == 0 and f"seq {chain}" in result.output
    copy = tmp_path / "collected.jsonl"
    copy.write_bytes(witness.target(app).file.read_bytes())
    witness.target(app).file.unlink()
    _tamper("DELETE FROM audit_event WHERE seq = :seq", seq=chain)
    result = _verify(app, "--witness", str(copy))
    assert result.exit_code == 1
    assert f"audit entry {chain} is missing" in result.output


def test_witness_file_setting_and_concurrent_appends(app, tmp_path, employee):
    app.config["CHARTE_AUDIT_WITNESS"] = str(tmp_path / "worm" / "witness.jsonl")
    head = audit.current_head()
    import threading

    threads = [threading.Thread(target=witness.write, args=(head, app)) for _ in range(20)]
    with app.app_context():
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    lines = (tmp_path / "worm" / "witness.jsonl").read_text().splitlines()
    assert len(lines) == 20 and all(json.loads(line)["seq"] == head.seq for line in lines)


def test_syslog_target_sends_the_line(app, employee):
    import socket

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    app.config["CHARTE_AUDIT_WITNESS"] = f"syslog:127.0.0.1:{port}"
    try:
        _record(1, employee)
        data = receiver.recv(65536).decode()
    finally:
        receiver.close()
    assert "charte-audit-witness:" in data
    line = json.loads(data.split("charte-audit-witness: ", 1)[1].rstrip("\x00\n"))
    assert line["seq"] == _last_seq()


def test_lines_signed_before_a_key_rotation_still_verify(app, chain, employee):
    assert app.test_cli_runner().invoke(args=["signing-key", "rotate"]).exit_code == 0
    _record(1, employee)
    kids = {signing_keys.verify(line["jws"])[0]["kid"] for line in _witness_lines(app)}
    assert len(kids) == 2  # old lines with the retired key, the new one with the new key
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert f"{chain + 1} witnessed heads" in result.output
