"""A passing quiz submission's evidence, field by field: the attempt, the completion and the
certificate sealed, named by three chained audit entries whose details are exactly these.

The submission writes its rows with plain INSERTs (one statement each) and its entries with one
INSERT (app/core/audit.py): this pins what they hold, so that a faster path cannot write less.
"""

from __future__ import annotations

import threading
from datetime import UTC

from sqlalchemy import select

from app.certificates import evidence as certificate_evidence
from app.core import audit, hooks, keys
from app.core.client import ClientInfo
from app.evidence import seals
from app.extensions import db
from app.learn import evidence as learning_evidence
from app.learn import player
from app.learn.content import catalog
from app.models.audit import AuditEvent
from app.models.certificate import MODULE, Certificate
from app.models.learning import ModuleCompletion, ModulePlacement, QuizAttempt
from tests.learning_helpers import answers_for, read_all_steps, submit

SLUG = "why-a-policy"


def _sealed(spec: seals.SealSpec, row) -> dict:
    return {"sealed": {spec.table: {str(row.id): row.mac}}}


def test_a_passing_submit_records_its_evidence_exactly(app, client, auth, employee):
    auth.login(employee.email)
    url = read_all_steps(client, SLUG)
    assert submit(client, url, answers_for(SLUG)).status_code == 302
    db.session.expire_all()
    attempt = db.session.scalar(select(QuizAttempt))
    completion = db.session.scalar(select(ModuleCompletion))
    certificate = db.session.scalar(select(Certificate))
    module = catalog.module_or_none(SLUG)

    assert attempt.passed and attempt.score == attempt.max_score and attempt.percent == 100
    assert (completion.user_id, completion.module_slug, completion.attempt_id) == (
        employee.id,
        SLUG,
        attempt.id,
    )
    assert completion.material_version == module.material_version
    assert completion.content_hash == module.content_hash
    assert completion.score == 100 and completion.completed_at == attempt.submitted_at
    assert certificate.kind == MODULE and certificate.user_id == employee.id
    assert certificate.issue_key == f"module:{SLUG}:{module.material_version}"
    assert certificate.content_version == module.content_hash
    assert certificate.title_en == module.text("en").title
    assert certificate.title_fr == module.text("fr").title
    assert certificate.holder_name == employee.full_name and certificate.score == 100
    assert certificate.issued_at == completion.completed_at
    for spec, row in (
        (learning_evidence.ATTEMPTS, attempt),
        (learning_evidence.COMPLETIONS, completion),
        (certificate_evidence.CERTIFICATES, certificate),
    ):
        assert row.key_id == keys.current_key_id()
        assert seals.intact(spec, row), spec.label

    entries = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))[-3:]
    assert [e.action for e in entries] == [
        "quiz.submitted",
        "module.completed",
        "certificate.issued",
    ]
    assert [(e.target_type, e.target_id) for e in entries] == [
        ("quiz_attempt", str(attempt.id)),
        ("module_completion", str(completion.id)),
        ("certificate", str(certificate.id)),
    ]
    assert all(e.actor_id == e.subject_id == employee.id for e in entries)
    assert (
        audit.canonical_json(
            {
                "module": SLUG,
                "quiz_hash": attempt.quiz_hash,
                "material_version": attempt.material_version,
                "score": attempt.score,
                "max_score": attempt.max_score,
                "percent": 100,
                "passed": True,
                **_sealed(learning_evidence.ATTEMPTS, attempt),
            }
        )
        == entries[0].details
    )
    assert (
        audit.canonical_json(
            {
                "module": SLUG,
                "material_version": completion.material_version,
                "content_hash": completion.content_hash,
                "score": 100,
                "attempt_id": attempt.id,
                **_sealed(learning_evidence.COMPLETIONS, completion),
            }
        )
        == entries[1].details
    )
    assert (
        audit.canonical_json(
            {
                "kind": MODULE,
                "module": SLUG,
                "material_version": certificate.material_version,
                "content_version": certificate.content_version,
                "score": 100,
                "code": certificate.code,
                **_sealed(certificate_evidence.CERTIFICATES, certificate),
            }
        )
        == entries[2].details
    )
    # The learner's browser on their entries, the system on the certificate's.
    assert entries[0].ip == entries[1].ip == "127.0.0.1"
    system = ClientInfo.system()
    assert (entries[2].ip, entries[2].user_agent) == (system.ip, system.user_agent)
    previous = db.session.scalar(
        select(AuditEvent.hash).where(AuditEvent.seq == entries[0].seq - 1)
    )
    for entry in entries:
        assert entry.key_id == keys.current_key_id()
        assert entry.prev_hash == previous and entry.hash == audit.entry_hash(entry)
        assert entry.pii_digest == audit.pii_digest(entry.pii_salt, entry.ip, entry.user_agent)
        assert entry.created_at.astimezone(UTC) >= attempt.submitted_at.astimezone(UTC)
        previous = entry.hash
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_the_last_two_modules_passed_at_once_complete_the_programme(app, employee, monkeypatch):
    """Two passing submissions of one person's last two required modules, at the same moment:
    the later one to commit sees the earlier one's completion and announces the programme.
    (PostgreSQL serialises them with the lock on the person's progress rows, SQLite with its one
    writer at a time: both must announce it exactly once.)"""
    second = next(m.slug for m in catalog.catalog().modules if m.slug != SLUG)
    for module in catalog.catalog().modules:
        db.session.add(ModulePlacement(slug=module.slug, required=module.slug in (SLUG, second)))
    db.session.commit()
    attempts = {}
    for slug in (SLUG, second):
        module = catalog.module_or_none(slug)
        for index in range(module.step_count):
            player.record_step(employee, module, index, index + 1)
        attempts[slug] = player.start_attempt(employee, module).id
    announced: list[int] = []
    monkeypatch.setattr(
        hooks.programme_completed, "emit", lambda **kwargs: announced.append(kwargs["user"].id)
    )
    first_inside, errors = threading.Event(), []
    real_record_many = audit.record_many

    def record_many(entries):
        # The first submission waits here, before its commit, for the second to get this far
        # too: with the person's submissions serialised, the second cannot (it waits for the
        # first's commit), and the wait ends after a second.
        if not first_inside.is_set():
            first_inside.set()
            threading.Event().wait(1)
        return real_record_many(entries)

    monkeypatch.setattr(audit, "record_many", record_many)

    def take(slug: str) -> None:
        with app.test_request_context("/", method="POST"):
            try:
                from app.models.user import User

                person = db.session.get(User, employee.id)
                attempt = db.session.get(QuizAttempt, attempts[slug])
                definition = player.snapshot_of(attempt).definition
                answers = {
                    q["id"]: list(q["correct"])
                    for q in definition["questions"]
                    if q["id"] in attempt.question_order
                }
                module = catalog.module_or_none(slug)
                assert player.submit_attempt(
                    person, attempt, attempt.token, answers, module, ClientInfo.system()
                )
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(slug,)) for slug in (SLUG, second)]
    threads[0].start()
    first_inside.wait(10)
    threads[1].start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert announced == [employee.id]
