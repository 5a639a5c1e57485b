"""The tamper suite: attacks by someone with direct database access, on both backends.

Each attack changes rows behind the application's back (on PostgreSQL with
`session_replication_role = replica`, as a superuser would, to bypass the append-only triggers)
and must make `flask audit verify` fail naming the row; the forged state must not show as valid
on /verify nor in a person's consent state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import g
from sqlalchemy import select, text

from app.certificates import issuing
from app.consent import decisions, publication, texts
from app.core import audit
from app.core.client import ClientInfo
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.certificate import Certificate
from app.models.consent import ConsentEvent, ConsentText
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.publication import PublicationCheckPerson
from app.models.user import User
from app.policy import signing
from tests.conftest import BACKEND, PASSWORD
from tests.consent_helpers import decide, purpose
from tests.learning_helpers import answers_for, complete_module, read_all_steps, submit
from tests.policy_helpers import publish

SLUG = "why-a-policy"
HR_CLIENT = ClientInfo(ip="192.0.2.9", user_agent="pytest-hr")  # a documentation address


def tamper(sql: str, **params) -> None:
    """Change rows directly in the database, bypassing the application and its triggers."""
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
        db.session.execute(text(sql), params)
    else:
        # The attacker's own connection, without foreign-key enforcement.
        db.session.commit()  # end the app's read transaction: SQLite has one writer
        with db.engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, so it applies
            conn.execute(text(sql), params)
            conn.commit()
            raw.execute("PRAGMA foreign_keys=ON")
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
        db.session.commit()
    db.session.expire_all()


def verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def verify_json(client, code: str):
    return client.get(f"/verify/{code}?format=json")


@dataclass
class World:
    employee_id: int
    failed_attempt: int
    passed_attempt: int
    completion: int
    certificate: int
    certificate_code: str
    revoked_certificate: int
    revoked_code: str
    acknowledgement: int
    ack_code: str
    grant: int
    withdrawal: int
    consent_text: int
    check_answer: int
    hr_id: int
    hr_email: str


@pytest.fixture
def world(app, client, auth, employee, other_employee, hr, no_signing_prerequisites) -> World:
    """Realistic evidence: a failed then passed quiz, certificates (one revoked), a signature,
    a consent granted then withdrawn, and a publication check."""
    auth.login(employee.email)
    submit(client, read_all_steps(client, SLUG), answers_for(SLUG, right=False))
    complete_module(client, SLUG)
    auth.logout()
    auth.login(other_employee.email)
    complete_module(client, SLUG)
    certificates = {c.user_id: c for c in db.session.scalars(select(Certificate))}
    revoked = issuing.get(certificates[other_employee.id].id)
    issuing.revoke(revoked, reason="Copied answers", actor=hr, client=HR_CLIENT)

    publish(1)
    signing.sign(
        employee,
        version_number=1,
        locale="en",
        typed_name=employee.full_name,
        password=PASSWORD,
        client=HR_CLIENT,
    )
    texts.sync_from_files(actor=None, client=ClientInfo.system())
    grant = decide(employee, "company-website", "photo", "granted")
    check = publication.run_check(
        purpose=purpose("company-website"),
        medium="photo",
        reference="Team picture",
        people=[db.session.get(User, employee.id)],
        actor=db.session.get(User, hr.id),
        client=HR_CLIENT,
    )
    withdrawal = decide(db.session.get(User, employee.id), "company-website", "photo", "revoked")
    attempts = list(db.session.scalars(select(QuizAttempt).order_by(QuizAttempt.id)))
    ack = db.session.scalar(select(Acknowledgement))
    world = World(
        employee_id=employee.id,
        failed_attempt=attempts[0].id,
        passed_attempt=attempts[1].id,
        completion=db.session.scalar(
            select(ModuleCompletion.id).where(ModuleCompletion.user_id == employee.id)
        ),
        certificate=certificates[employee.id].id,
        certificate_code=certificates[employee.id].code,
        revoked_certificate=revoked.id,
        revoked_code=revoked.code,
        acknowledgement=ack.id,
        ack_code=ack.code,
        grant=grant.id,
        withdrawal=withdrawal.id,
        consent_text=db.session.scalar(select(ConsentText.id).order_by(ConsentText.id)),
        hr_id=hr.id,
        hr_email=hr.email,
        check_answer=db.session.scalar(
            select(PublicationCheckPerson.id).where(PublicationCheckPerson.check_id == check.id)
        ),
    )
    assert not attempts[0].passed and attempts[1].passed
    result = verify(app)
    assert result.exit_code == 0, result.output
    return world


def photo_state(world: World):
    today = date.today()
    return decisions.states_for([world.employee_id], today).get(
        (world.employee_id, purpose("company-website").id, "photo"), decisions.NEVER_ASKED
    )


def broken(app, *needles: str) -> str:
    result = verify(app)
    assert result.exit_code == 1, result.output
    for needle in needles:
        assert needle in result.output, result.output
    return result.output


def test_the_untouched_world_verifies_every_kind(app, world):
    output = verify(app).output
    for kind in (
        "quiz attempts", "module completions", "certificates", "certificate revocations",
        "acknowledgements", "policy texts", "consent texts", "consent events",
        "publication checks", "publication check answers", "publication reviews",
    ):  # fmt: skip
        assert kind in output, output
    assert photo_state(world).status == "revoked" and photo_state(world).verified


# ---- consent ---------------------------------------------------------------------------------


def test_deleted_withdrawal_is_detected_and_consent_does_not_read_granted(app, client, auth, world):
    tamper("DELETE FROM consent_event WHERE id = :id", id=world.withdrawal)
    broken(app, f"consent event id={world.withdrawal}", "missing")
    state = photo_state(world)
    assert not state.allowed and not state.verified
    # HR's page of the person says so in words, and a new publication check answers "no".
    g.pop("_login_user", None)  # verify detached every object, the cached signed-in user too
    auth.logout()
    auth.login(world.hr_email)
    page = client.get(f"/hr/consent/people/{world.employee_id}").get_data(as_text=True)
    assert "Record failed its integrity check" in page
    check = publication.run_check(
        purpose=purpose("company-website"),
        medium="photo",
        reference="After the attack",
        people=[db.session.get(User, world.employee_id)],
        actor=db.session.get(User, world.hr_id),
        client=HR_CLIENT,
    )
    answer = db.session.scalar(
        select(PublicationCheckPerson).where(PublicationCheckPerson.check_id == check.id)
    )
    assert answer.allowed is False


def test_withdrawal_turned_into_a_grant_is_detected(app, world):
    tamper("UPDATE consent_event SET decision = 'granted' WHERE id = :id", id=world.withdrawal)
    broken(app, f"consent event id={world.withdrawal}", "MAC mismatch")
    assert not photo_state(world).allowed


def test_reordered_consent_events_are_detected(app, world):
    tamper("UPDATE consent_event SET id = 9001 WHERE id = :id", id=world.grant)
    tamper("UPDATE consent_event SET id = :a WHERE id = :b", a=world.grant, b=world.withdrawal)
    tamper("UPDATE consent_event SET id = :b WHERE id = 9001", b=world.withdrawal)
    broken(app, f"consent event id={world.grant}", "reordered")


def test_inserted_grant_is_detected(app, world):
    tamper(
        "INSERT INTO consent_event (id, user_id, purpose_id, medium, decision, text_id, "
        "text_version, text_locale, text_sha256, valid_from, valid_until, recorded_at, "
        "recorded_by_id, on_behalf, code, mac, mac_version, key_id) "
        "SELECT 5000, user_id, purpose_id, medium, 'granted', text_id, text_version, "
        "text_locale, text_sha256, valid_from, valid_until, recorded_at, recorded_by_id, "
        "on_behalf, 'FORGEDCODE0000000000', mac, mac_version, key_id "
        "FROM consent_event WHERE id = :id",
        id=world.grant,
    )
    broken(app, "consent event id=5000")
    assert not photo_state(world).allowed


def test_sealed_name_on_a_decision_edited_is_detected(app, world):
    tamper("UPDATE consent_event SET holder_name = 'Mallory' WHERE id = :id", id=world.grant)
    broken(app, f"consent event id={world.grant}", "name or email altered")


def test_edited_consent_text_is_detected(app, world):
    tamper(
        "UPDATE consent_text SET markdown = markdown || 'We may also sell your photos.' "
        "WHERE id = :id",
        id=world.consent_text,
    )
    broken(app, f"consent text id={world.consent_text}")


def test_publication_answer_flipped_is_detected(app, world):
    tamper(
        "UPDATE publication_check_person SET allowed = :no, state = 'refused' WHERE id = :id",
        no=False,
        id=world.check_answer,
    )
    broken(app, f"publication check answer id={world.check_answer}")


def _reviewed(world: World) -> int:
    """HR reviews the publication flagged by the withdrawal; returns the review's id."""
    from app.models.publication import PublicationReview

    hr = db.session.get(User, world.hr_id)
    assert publication.mark_reviewed(
        world.check_answer, actor=hr, client=HR_CLIENT, today=date.today()
    )
    return db.session.scalar(select(PublicationReview.id))


def _flagged(world: World) -> bool:
    return any(i.person.id == world.check_answer for i in publication.needs_review(date.today()))


def test_a_publication_review_is_sealed_and_named_in_its_audit_entry(app, world):
    assert _flagged(world)
    _reviewed(world)
    assert not _flagged(world)
    output = verify(app).output
    assert "publication reviews" in output and "OK" in output, output


def test_edited_publication_review_is_detected(app, world):
    review = _reviewed(world)
    tamper(
        "UPDATE publication_review SET reviewed_by_id = :other WHERE id = :id",
        other=world.employee_id,
        id=review,
    )
    broken(app, f"publication review id={review}", "MAC mismatch")
    assert _flagged(world)  # an altered review clears nothing


def test_deleted_publication_review_is_detected(app, world):
    review = _reviewed(world)
    tamper("DELETE FROM publication_review WHERE id = :id", id=review)
    broken(app, f"publication review id={review}", "missing (row deleted)")


def test_forged_publication_review_is_detected_and_hides_nothing(app, world):
    """Someone with the database inserts a review so that the flagged publication stays up."""
    tamper(
        "INSERT INTO publication_review (id, check_person_id, trigger_event_id, reviewed_by_id, "
        "reviewed_at) VALUES (7000, :answer, :event, :hr, CURRENT_TIMESTAMP)",
        answer=world.check_answer,
        event=world.withdrawal,
        hr=world.hr_id,
    )
    broken(app, "publication review id=7000", "not sealed")
    assert _flagged(world)


# ---- learning record and certificates ----------------------------------------------------------


def test_failed_quiz_raised_to_100_and_passed_is_detected(app, world):
    tamper(
        "UPDATE quiz_attempt SET score = max_score, percent = 100, passed = :yes WHERE id = :id",
        yes=True,
        id=world.failed_attempt,
    )
    broken(app, f"quiz attempt id={world.failed_attempt}")


def test_deleted_completion_is_detected(app, world):
    tamper("DELETE FROM module_completion WHERE id = :id", id=world.completion)
    broken(app, f"module completion id={world.completion}", "missing")


def test_certificate_holder_renamed_is_detected_and_not_vouched_for(app, client, world):
    tamper("UPDATE certificate SET holder_name = 'Mallory' WHERE id = :id", id=world.certificate)
    broken(app, f"certificate id={world.certificate}")
    assert verify_json(client, world.certificate_code).status_code == 404


def test_certificate_score_changed_is_detected(app, client, world):
    tamper("UPDATE certificate SET score = 42 WHERE id = :id", id=world.certificate)
    broken(app, f"certificate id={world.certificate}")
    assert verify_json(client, world.certificate_code).status_code == 404


def test_deleted_revocation_is_detected_and_still_shows_revoked(app, client, world):
    assert verify_json(client, world.revoked_code).get_json()["status"] == "revoked"
    tamper(
        "DELETE FROM certificate_revocation WHERE certificate_id = :id",
        id=world.revoked_certificate,
    )
    broken(app, "certificate revocation", f"certificate {world.revoked_certificate}", "missing")
    assert verify_json(client, world.revoked_code).get_json()["status"] == "revoked"


def test_forged_certificate_is_detected_and_unknown_on_verify(app, client, world):
    tamper(
        "INSERT INTO certificate (id, kind, user_id, issue_key, module_slug, material_version, "
        "content_version, title_fr, title_en, score, holder_name, issued_at, code, mac, key_id, "
        "pii_salt, identity_digest) SELECT 7000, kind, user_id, 'module:forged:1', module_slug, "
        "material_version, content_version, title_fr, title_en, 100, 'Eve Forger', issued_at, "
        "'FORGEDCERT0000000000', mac, key_id, pii_salt, identity_digest FROM certificate "
        "WHERE id = :id",
        id=world.certificate,
    )
    broken(app, "certificate id=7000")
    assert verify_json(client, "FORGEDCERT0000000000").status_code == 404


# ---- identity as sealed --------------------------------------------------------------------------


def test_renaming_the_user_changes_no_receipt_nor_verify(app, client, world, employee):
    original = employee.full_name
    tamper('UPDATE "user" SET full_name = :n WHERE id = :id', n="Mallory Renamed", id=employee.id)
    for code in (world.ack_code, world.certificate_code):
        body = verify_json(client, code).get_json()
        assert body["status"] == "valid" and body["holder_name"] == original, body
    ack = signing.get_for_receipt(world.acknowledgement)
    from app.policy import receipts

    assert receipts.signer_name(ack) == original
    assert verify(app).exit_code == 0  # the evidence itself is untouched


def test_sealed_signer_name_edited_is_detected(app, client, world):
    tamper(
        "UPDATE acknowledgement SET signer_name = 'Mallory' WHERE id = :id",
        id=world.acknowledgement,
    )
    broken(app, f"acknowledgement id={world.acknowledgement}", "name or email altered")
    assert verify_json(client, world.ack_code).status_code == 404


def test_edited_policy_text_is_detected(app, world):
    tamper("UPDATE policy_text SET html = html || '<p>Added later.</p>' WHERE locale = 'en'")
    broken(app, "policy text id=")


# ---- keys --------------------------------------------------------------------------------------


def test_row_forged_with_the_legacy_secret_key_is_refused(app, world):
    """Whoever holds SECRET_KEY cannot seal new evidence: the legacy key is for old rows only."""
    from app.consent import evidence

    row = db.session.get(ConsentEvent, world.grant)
    row.key_id = None
    row.mac_version = 2
    forged_mac = evidence.legacy_event_mac(row)
    db.session.rollback()
    tamper(
        "UPDATE consent_event SET key_id = NULL, mac_version = 2, mac = :mac WHERE id = :id",
        mac=forged_mac,
        id=world.grant,
    )
    broken(app, f"consent event id={world.grant}")


def test_changing_secret_key_leaves_evidence_verifiable(app, world):
    app.config["SECRET_KEY"] = "another-secret-key-after-a-session-key-rotation"
    report = audit.verify_all()
    assert report.ok, report.problems
