"""Evidence keys: separate from SECRET_KEY, required in production, rotated with key ids kept,
and rows recorded before seals existed sealed once by `flask audit seal-existing`."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path

import pytest
from sqlalchemy import select, text

from app import create_app
from app.core import audit, keys
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.certificate import Certificate
from app.models.consent import ConsentEvent
from app.policy import signing
from tests.conftest import BACKEND, PASSWORD, make_user
from tests.consent_helpers import decide
from tests.learning_helpers import complete_module
from tests.policy_helpers import publish
from tests.privacy_helpers import with_records
from tests.production import production_config

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Keys from a key file (generated on first start), as in development."""
    return {"EVIDENCE_KEYS": None, "EVIDENCE_KEY_FILE": str(tmp_path / "keys" / "evidence.json")}


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_key_file_is_generated_private_outside_production(app, app_config):
    path = app_config["EVIDENCE_KEY_FILE"]
    data = json.loads(Path(path).read_text())
    assert data["current"] in data["keys"] and len(data["keys"][data["current"]]) >= 32
    assert stat.S_IMODE(Path(path).stat().st_mode) == 0o600
    assert keys.current_key_id() == data["current"]


def test_production_refuses_to_start_without_evidence_keys(tmp_path, monkeypatch):
    monkeypatch.delenv("EVIDENCE_KEYS", raising=False)
    with pytest.raises(keys.EvidenceKeyError, match="No evidence keys"):
        create_app(
            config=production_config(
                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
                EVIDENCE_KEYS=None,
                EVIDENCE_KEY_FILE=str(tmp_path / "missing.json"),
            ),
            env="production",
        )
    assert not (tmp_path / "missing.json").exists()


def test_production_starts_with_evidence_keys_from_the_environment(tmp_path):
    app = create_app(
        config=production_config(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
            EVIDENCE_KEYS=json.dumps(
                {"prod-1": secrets.token_hex(32), "prod-2": secrets.token_hex(32)}
            ),
            EVIDENCE_KEY_ID="prod-1",
        ),
        env="production",
    )
    with app.app_context():
        assert keys.current_key_id() == "prod-1"


def test_short_or_unnamed_keys_are_refused(tmp_path):
    with pytest.raises(keys.EvidenceKeyError, match="at least 32"):
        create_app(
            config={
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
                "EVIDENCE_KEYS": {"k": "short"},
            },
            env="test",
        )


def test_rotation_keeps_old_rows_verifiable_and_seals_new_ones_with_the_new_key(
    app, employee, other_employee
):
    with_records(employee)
    old = keys.current_key_id()
    result = _cli(app, "keys", "rotate")
    assert result.exit_code == 0, result.output
    new = keys.current_key_id()
    assert new != old and new in result.output
    signing.sign(
        other_employee,
        version_number=1,
        locale="en",
        typed_name=other_employee.full_name,
        password=PASSWORD,
        client=audit.ClientInfo.system(),
    )
    by_user = {a.user_id: a.key_id for a in db.session.scalars(select(Acknowledgement))}
    assert by_user == {employee.id: old, other_employee.id: new}
    assert {old, new} <= set(db.session.scalars(select(AuditEvent.key_id)))
    rotated = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "evidence.key_rotated")
    )
    assert json.loads(rotated.details) == {"from": old, "to": new}
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 0, result.output


def test_a_row_naming_an_unknown_key_is_reported(app, employee):
    with_records(employee)
    ack_id = db.session.scalar(select(Acknowledgement.id))
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(
        text("UPDATE acknowledgement SET key_id = 'nobody' WHERE id = :id"), {"id": ack_id}
    )
    db.session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1 and f"acknowledgement id={ack_id}" in result.output
    assert "unknown evidence key" in result.output


def test_rows_from_before_seals_are_sealed_once_and_named(app, client, auth, employee):
    """Rows recorded before this version (no MAC) fail verify until `seal-existing` is run."""
    auth.login(employee.email)
    complete_module(client, "why-a-policy")
    publish(1)
    # What an upgraded database holds: certificates and attempts without a seal.
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text("UPDATE certificate SET mac = NULL, key_id = NULL"))
    db.session.execute(text("UPDATE policy_text SET mac = NULL, key_id = NULL"))
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
        db.session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1 and "seal-existing" in result.output

    result = _cli(app, "audit", "seal-existing")
    assert result.exit_code == 0, result.output
    assert "certificate: 1 row(s)" in result.output and "policy_text: 2 row(s)" in result.output
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert _cli(app, "audit", "seal-existing").output.startswith("Nothing to seal")
    certificate = db.session.scalar(select(Certificate))
    assert certificate.mac and certificate.key_id == keys.current_key_id()
    certificate_id = certificate.id
    # Sealed now: an edit is detected like on any other row.
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text("UPDATE certificate SET holder_name = 'Eve'"))
    db.session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1 and f"certificate id={certificate_id}" in result.output


def test_a_legacy_row_cannot_follow_a_keyed_one(app, employee):
    """Rows keyed from SECRET_KEY are accepted only before the first row sealed with a key."""
    other = make_user("late@example.com", "Late Comer")
    with_records(employee)
    decide(other, "company-website", "photo", "granted")
    from app.consent import evidence

    last = db.session.scalar(select(ConsentEvent).order_by(ConsentEvent.id.desc()))
    last_id = last.id
    last.key_id, last.mac_version = None, 2
    forged = evidence.legacy_event_mac(last)
    db.session.rollback()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(
        text("UPDATE consent_event SET key_id = NULL, mac_version = 2, mac = :m WHERE id = :id"),
        {"m": forged, "id": last_id},
    )
    db.session.commit()
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 1 and f"consent event id={last_id}" in result.output
    assert "legacy key" in result.output


def test_production_refuses_weak_or_published_evidence_keys(tmp_path):
    """Evidence keys pass the same strength test as SECRET_KEY (issue #17: 32 random bytes)."""
    for weak in ("p" * 40, "test-evidence-key-not-for-production-0001"):
        with pytest.raises(RuntimeError, match="Evidence key 'prod-1'"):
            create_app(
                config=production_config(
                    SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
                    EVIDENCE_KEYS=json.dumps({"prod-1": weak}),
                ),
                env="production",
            )


@pytest.mark.parametrize("key_length", [0, 1, 32, 63, 64, 65, 200])
def test_prepared_hmac_is_the_standard_hmac(key_length):
    key = os.urandom(key_length)
    mac = keys.hmac_sha256(key)
    for message in (b"", b"x", os.urandom(63), os.urandom(64), os.urandom(5000), "é".encode()):
        assert mac(message) == hmac.new(key, message, hashlib.sha256).hexdigest()
    assert mac(b"twice") == mac(b"twice")  # the prepared states are copied, never consumed


def test_seal_and_chain_macs_are_the_standard_hmac(app):
    with app.app_context():
        key_id = keys.current_key_id()
        expected = hmac.new(keys.key_for("audit-chain", key_id), b"payload", hashlib.sha256)
        assert keys.mac("audit-chain", key_id, "payload") == expected.hexdigest()
