"""A retention purge is sealed, audited and exact, and it completes: after it, certificates,
/verify and the webhook outbox show the pseudonym or nothing, never the person's name or email.

Attacks (run as someone with direct database access): a fake purge row to excuse blanking an
active signer's name, blanking an audit entry's network details, altering or deleting a genuine
purge, putting a value back into a purged field. `flask audit verify` reports every one of them.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.core import audit
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import webhooks
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.certificate import Certificate
from app.models.privacy import RetentionPurge
from app.models.user import User
from app.models.webhook import WebhookDelivery
from app.people import accounts
from tests.conftest import BACKEND
from tests.learning_helpers import answers_for, read_all_steps, submit
from tests.pdf.test_pdf_documents import _text
from tests.privacy_helpers import with_records

SLUG = "why-a-policy"


def _tamper(sql: str, **params) -> None:
    """Write straight to the database, as an operator with direct access would."""
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text(sql), params)
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))


def _problems() -> list[str]:
    db.session.expire_all()
    return audit.verify_all().problems


def _purge(app, user: User) -> RetentionPurge:
    today = (user.deactivated_at + timedelta(days=365 * 6 + 2)).date().isoformat()
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--today", today])
    assert result.exit_code == 0 and "1 person(s) pseudonymised" in result.output, result.output
    db.session.expire_all()
    return db.session.scalar(select(RetentionPurge).where(RetentionPurge.user_id == user.id))


@pytest.fixture
def departed(app, client, auth, employee, other_employee, hr, admin, no_signing_prerequisites):
    """A person with a certificate, a signature, consents and webhook events, who left;
    a colleague with the same records who stays."""
    webhooks.register(
        "https://hooks.example.com/in",
        ["policy.signed", "consent.granted"],
        actor=admin,
        client=ClientInfo.system(),
    )
    auth.login(employee.email)
    submit(client, read_all_steps(client, SLUG), answers_for(SLUG))
    auth.logout()
    with_records(employee)
    with_records(other_employee)
    accounts.set_active(
        employee, False, actor=hr, client=ClientInfo(ip="10.9.9.9", user_agent="hr")
    )
    db.session.refresh(employee)
    return employee


def test_genuine_purge_is_sealed_names_what_it_blanked_and_verifies(app, departed):
    name, email, user_id = departed.full_name, departed.email, departed.id
    purge = _purge(app, departed)
    blanked = json.loads(purge.blanked)
    ack = db.session.scalar(select(Acknowledgement).where(Acknowledgement.user_id == user_id))
    assert blanked["acknowledgement"] == {
        "fields": ["ip", "user_agent", "typed_name", "signer_name", "signer_email"],
        "ids": [ack.id],
    }
    assert len(blanked["consent_event"]["ids"]) == 2 and blanked["audit_event"]["ids"]
    assert blanked["certificate"]["fields"] == ["holder_name"]
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    details = json.loads(entry.details)
    assert entry.target_type == "retention_purge" and entry.target_id == str(purge.id)
    assert details["mac"] == purge.mac and details["counts"]["webhook_delivery"] == 2
    report = audit.verify_all()
    assert report.ok, report.problems
    assert report.checked["retention purges"] == 1
    # Nothing of the person is left in the evidence or the outbox.
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == user_id))
    assert certificate.holder_name == purge.pseudonym
    bodies = db.session.scalars(select(WebhookDelivery.body)).all()
    assert len(bodies) == 4  # two events each for the person and the colleague
    assert not any(email in body or name in body for body in bodies)
    mine = [b for b in map(json.loads, bodies) if b["data"]["employee"]["id"] == user_id]
    assert len(mine) == 2 and all(b["data"]["employee"]["email"] is None for b in mine)


def test_after_purge_certificate_and_verify_show_the_pseudonym(app, client, auth, hr, departed):
    name, user_id = departed.full_name, departed.id
    certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == user_id))
    receipt = db.session.scalar(select(Acknowledgement).where(Acknowledgement.user_id == user_id))
    certificate_id, certificate_code, receipt_code = certificate.id, certificate.code, receipt.code
    assert name in client.get(f"/verify/{certificate_code}").get_data(as_text=True)
    purge = _purge(app, departed)
    for code in (certificate_code, receipt_code):
        page = client.get(f"/verify/{code}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "This document is genuine." in html
        assert purge.pseudonym in html and name not in html
        answer = client.get(f"/verify/{code}?format=json").get_json()
        assert answer["holder_name"] == purge.pseudonym
    auth.login(hr.email)
    response = client.get(f"/hr/certificates/{certificate_id}.pdf")
    assert response.status_code == 200
    printed = _text(response.data)
    assert purge.pseudonym in printed and name not in printed
    assert name not in response.headers["Content-Disposition"]
    assert audit.verify_all().ok


def test_fake_purge_row_does_not_excuse_blanking_an_active_signers_name(
    app, departed, other_employee
):
    # The attacker inserts a purge row for an active colleague, then blanks her typed name.
    colleague = other_employee.id
    _tamper(
        "INSERT INTO retention_purge (user_id, purged_at, pseudonym, retention_years, "
        "acknowledgements, consent_events, audit_events, blanked, mac) VALUES "
        "(:user, CURRENT_TIMESTAMP, 'former-fake', 5, 1, 0, 0, :blanked, :mac)",
        user=colleague,
        blanked=json.dumps({"acknowledgement": {"fields": ["typed_name"], "ids": [1, 2]}}),
        mac="0" * 64,
    )
    _tamper(
        "UPDATE acknowledgement SET typed_name = '', ip = NULL, user_agent = NULL "
        "WHERE user_id = :user",
        user=colleague,
    )
    problems = _problems()
    assert any("retention purge id=" in p and "MAC mismatch" in p for p in problems), problems
    colleagues_signature = db.session.scalar(
        select(Acknowledgement.id).where(Acknowledgement.user_id == colleague)
    )
    assert any(
        f"acknowledgement id={colleagues_signature}:" in p
        and "without a recorded retention purge" in p
        for p in problems
    ), problems


def test_unsealed_purge_row_without_audit_entry_is_reported(app, departed, other_employee):
    _tamper(
        "INSERT INTO retention_purge (user_id, purged_at, pseudonym, retention_years, "
        "acknowledgements, consent_events, audit_events) VALUES "
        "(:user, CURRENT_TIMESTAMP, 'former-fake', 5, 1, 0, 0)",
        user=other_employee.id,
    )
    _tamper("UPDATE acknowledgement SET typed_name = '', ip = NULL, user_agent = NULL")
    problems = _problems()
    assert any("no sealed record and no audit entry" in p for p in problems), problems
    assert any("without a recorded retention purge" in p for p in problems), problems


def test_blanked_audit_network_details_are_detected(app, departed):
    entry = db.session.scalar(
        select(AuditEvent).where(AuditEvent.ip.is_not(None)).order_by(AuditEvent.seq.desc())
    )
    seq = entry.seq
    _tamper("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE seq = :seq", seq=seq)
    problems = _problems()
    assert any(
        f"seq={seq}" in p and "ip and user agent removed without a recorded retention purge" in p
        for p in problems
    ), problems


def test_purge_covers_only_the_rows_it_names(app, hr, departed):
    purge = _purge(app, departed)
    user = db.session.get(User, departed.id)
    # HR looks the person up after the purge: a new audit entry about them, with HR's address.
    accounts.set_active(user, True, actor=hr, client=ClientInfo(ip="10.7.7.7", user_agent="hr"))
    later = db.session.scalar(select(AuditEvent).where(AuditEvent.ip == "10.7.7.7"))
    assert (
        later.subject_id == user.id
        and later.id not in json.loads(purge.blanked)["audit_event"]["ids"]
    )
    assert audit.verify_all().ok
    _tamper("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE id = :id", id=later.id)
    problems = _problems()
    assert any(f"seq={later.seq}" in p and "removed without" in p for p in problems), problems


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        # Widen a genuine purge to a colleague's signature: its seal breaks.
        (
            "UPDATE retention_purge SET blanked = replace(blanked, '\"ids\":[', '\"ids\":[999,')",
            "MAC mismatch",
        ),
        # Remove the purge: what it blanked is no longer excused, and its audit entry dangles.
        ("DELETE FROM retention_purge", "is missing (row deleted)"),
        # Put a name back into a purged signature.
        (
            "UPDATE acknowledgement SET typed_name = 'Someone Else' WHERE typed_name = ''",
            "did not blank",
        ),
        # Give a purged certificate somebody's name.
        ("UPDATE certificate SET holder_name = 'Someone Else'", "did not blank"),
    ],
)
def test_tampering_with_a_genuine_purge_is_detected(app, departed, sql, found):
    _purge(app, departed)
    assert audit.verify_all().ok
    _tamper(sql)
    problems = _problems()
    assert any(found in p for p in problems), problems


def test_deleted_purge_leaves_its_blanks_unexcused(app, departed):
    _purge(app, departed)
    _tamper("DELETE FROM retention_purge")
    problems = _problems()
    assert any("removed without a recorded retention purge" in p for p in problems), problems


def test_verify_cli_fails_on_a_fake_purge(app, departed, other_employee):
    _tamper(
        "INSERT INTO retention_purge (user_id, purged_at, pseudonym, retention_years, "
        "acknowledgements, consent_events, audit_events) VALUES "
        "(:user, CURRENT_TIMESTAMP, 'former-fake', 5, 0, 0, 0)",
        user=other_employee.id,
    )
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "retention purge id=" in result.output


def test_purge_written_before_sealing_still_verifies_through_its_audit_entry(app, departed):
    # What the previous version of `flask retention apply` left: an unsealed row, blanks, and a
    # "retention.purged" entry about the user (no purge id, no MAC).
    from app.core.audit_actions import AuditAction

    user_id = departed.id
    _tamper(
        "INSERT INTO retention_purge (user_id, purged_at, pseudonym, retention_years, "
        "acknowledgements, consent_events, audit_events) VALUES "
        "(:user, CURRENT_TIMESTAMP, 'former-0123456789', 5, 1, 2, 0)",
        user=user_id,
    )
    _tamper(
        "UPDATE acknowledgement SET typed_name = '', ip = NULL, user_agent = NULL "
        "WHERE user_id = :user",
        user=user_id,
    )
    _tamper(
        "UPDATE consent_event SET ip = NULL, user_agent = NULL WHERE user_id = :user", user=user_id
    )
    _tamper(
        "UPDATE audit_event SET ip = NULL, user_agent = NULL "
        "WHERE actor_id = :user OR subject_id = :user",
        user=user_id,
    )
    assert any("no sealed record and no audit entry" in p for p in _problems())
    audit.record(
        AuditAction.RETENTION_PURGED,
        actor=None,
        subject=db.session.get(User, user_id),
        target_type="user",
        target_id=user_id,
        details={"pseudonym": "former-0123456789", "retention_years": 5},
    )
    db.session.commit()
    report = audit.verify_all()
    assert report.ok, report.problems


def test_purge_refuses_to_blank_an_altered_audit_address(app, departed):
    # Blanking it would erase the trace of the alteration: nothing changes for that person.
    user_id = departed.id
    entry = db.session.scalar(
        select(AuditEvent).where(AuditEvent.subject_id == user_id, AuditEvent.ip.is_not(None))
    )
    seq = entry.seq
    _tamper("UPDATE audit_event SET ip = '192.0.2.66' WHERE seq = :seq", seq=seq)
    today = (departed.deactivated_at + timedelta(days=365 * 6 + 2)).date().isoformat()
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--today", today])
    assert result.exit_code == 1 and f"audit entry seq={seq}" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(RetentionPurge)) is None
    assert not db.session.get(User, user_id).full_name.startswith("former-")
    assert any(f"seq={seq}" in p and "altered" in p for p in _problems())
