"""Evidence privacy: network details setting, retention purge that keeps evidence verifiable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from app.core import audit, settings
from app.core.client import ClientInfo
from app.evidence import network, personal, seals
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.privacy import RetentionPurge
from app.models.user import User
from app.people import accounts
from tests.conftest import BACKEND
from tests.policy_helpers import publish, sign_form
from tests.privacy_helpers import with_records


def _leave(user: User, actor: User) -> None:
    accounts.set_active(user, False, actor=actor, client=ClientInfo.system())


def _apply(app, today: str):
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--today", today])
    assert result.exit_code == 0, result.output
    return result.output


def _years_after_leaving(user: User, years: int) -> str:
    return (user.deactivated_at + timedelta(days=365 * years + 2)).date().isoformat()


@pytest.fixture
def left(employee, other_employee, hr, no_signing_prerequisites):
    with_records(employee)
    with_records(other_employee)
    _leave(employee, hr)
    db.session.refresh(employee)
    return employee


def _untouched_raw(app) -> list:
    return db.session.execute(
        text("SELECT ip, user_agent, typed_name FROM acknowledgement ORDER BY id")
    ).all()


def test_network_details_are_not_stored_when_turned_off(
    client, auth, employee, admin, no_signing_prerequisites
):
    settings.update(
        {network.STORE_NETWORK_DETAILS.key: False}, actor=admin, client=ClientInfo.system()
    )
    publish(1)
    auth.login(employee.email)
    assert sign_form(client, name=employee.full_name).status_code == 302
    ack = db.session.scalar(db.select(Acknowledgement))
    assert ack.ip is None and ack.user_agent is None and ack.auth_method == "password"
    signed = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "policy.signed"))
    assert signed.ip is None and signed.user_agent is None
    assert audit.verify_all().ok


def test_network_details_are_stored_by_default(client, auth, employee, no_signing_prerequisites):
    publish(1)
    auth.login(employee.email)
    sign_form(client, name=employee.full_name)
    ack = db.session.scalar(db.select(Acknowledgement))
    assert ack.ip == "127.0.0.1" and ack.user_agent


def test_nobody_is_purged_before_the_period(app, left):
    assert "0 person(s)" in _apply(app, _years_after_leaving(left, 4))
    assert db.session.scalar(db.select(RetentionPurge)) is None


def test_retention_pseudonymises_and_evidence_still_verifies(app, left, other_employee):
    email, name = left.email, left.full_name
    output = _apply(app, _years_after_leaving(left, 6))
    assert "1 person(s) pseudonymised" in output
    db.session.expire_all()
    person = db.session.get(User, left.id)
    assert person.full_name.startswith("former-") and email not in person.email
    assert person.full_name != name
    ack = db.session.scalar(db.select(Acknowledgement).where(Acknowledgement.user_id == left.id))
    assert ack.ip is None and ack.user_agent is None and ack.typed_name == ""
    events = db.session.scalars(db.select(ConsentEvent).where(ConsentEvent.user_id == left.id))
    assert all(e.ip is None and e.user_agent is None for e in events)
    about = db.session.scalars(
        db.select(AuditEvent).where(
            AuditEvent.subject_id == left.id, AuditEvent.action != "retention.purged"
        )
    )
    assert all(e.ip is None and e.user_agent is None for e in about)
    purged = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert purged.subject_id == left.id
    other = db.session.scalar(
        db.select(Acknowledgement).where(Acknowledgement.user_id == other_employee.id)
    )
    assert other.typed_name == other_employee.full_name and other.ip
    report = audit.verify_all()
    assert report.ok, report.problems
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "OK" in result.output
    assert "0 person(s)" in _apply(app, _years_after_leaving(left, 7))  # done once


def _tamper(sql: str) -> None:
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text(sql))
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("UPDATE acknowledgement SET statement = 'I agree to nothing'", "MAC mismatch"),
        ("UPDATE acknowledgement SET typed_name = 'Forged Name'", "personal fields altered"),
        (
            "UPDATE consent_event SET decision = 'refused' WHERE decision = 'granted'",
            "MAC mismatch",
        ),
    ],
)
def test_tampering_after_retention_is_detected(app, left, sql, found):
    _apply(app, _years_after_leaving(left, 6))
    _tamper(sql)
    report = audit.verify_all()
    assert any(found in problem for problem in report.problems), report.problems


def test_blanking_without_a_purge_is_detected(left):
    _tamper(
        "UPDATE acknowledgement SET typed_name = '', ip = NULL, user_agent = NULL "
        "WHERE user_id = (SELECT min(user_id) FROM acknowledgement)"
    )
    report = audit.verify_all()
    assert any("without a recorded retention purge" in p for p in report.problems), report.problems


def test_rows_sealed_before_digests_are_resealed(
    app, employee, hr, monkeypatch, no_signing_prerequisites
):
    # Rows recorded before MAC version 2 existed: their MAC covers the personal values
    # (keyed from SECRET_KEY, no key id, no sealed identity).
    original_seal = seals.seal

    def version_1_seal(spec, row):
        if spec.legacy_mac is None:
            return original_seal(spec, row)
        row.key_id = None
        if spec.uses_mac_version:
            row.mac_version = personal.MAC_V1
        row.mac = seals.compute_mac(spec, row)

    with monkeypatch.context() as patch:
        patch.setattr(seals, "seal", version_1_seal)
        with_records(employee)
    ack = db.session.scalar(db.select(Acknowledgement))
    assert ack.mac_version == 1 and ack.pii_digest is None
    ids = employee.id, hr.id
    assert audit.verify_all().ok  # (detaches every object)
    employee, hr = db.session.get(User, ids[0]), db.session.get(User, ids[1])
    _leave(employee, hr)
    db.session.refresh(employee)
    _apply(app, _years_after_leaving(employee, 6))
    db.session.expire_all()
    ack = db.session.scalar(db.select(Acknowledgement))
    assert ack.mac_version == 2 and ack.typed_name == ""
    report = audit.verify_all()
    assert report.ok, report.problems
    _tamper("UPDATE acknowledgement SET locale = 'fr'")
    assert not audit.verify_all().ok


def test_record_of_processing_page(client, auth, admin, hr):
    auth.login(admin.email)
    page = client.get("/admin/privacy").get_data(as_text=True)
    assert "Record of processing" in page
    assert "typed_name" in page and "user_agent" in page and "evidence_attachment" not in page
    assert "5 years" in page
    # Retention covers certificates (the name printed) and the webhook outbox (the email).
    assert "holder_name" in page and "Webhook deliveries" in page
    assert "their email is removed from it" in page
    auth.logout()
    auth.login(hr.email)
    assert client.get("/admin/privacy").status_code == 403


def test_privacy_settings_are_on_the_settings_page(client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "privacy.store_network_details" in page
    assert "privacy.retention_years_after_departure" in page
