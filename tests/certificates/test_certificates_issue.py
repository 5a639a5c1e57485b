"""Certificates are issued by the learning flow and the policy signature, each one only once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from app.certificates import issuing
from app.core.codes import ALPHABET, CODE_LENGTH
from app.extensions import db
from app.learn.progress import placed_modules
from app.models.audit import AuditEvent
from app.models.certificate import Certificate
from tests.conftest import BACKEND
from tests.learning_helpers import (
    answers_for,
    complete_module,
    complete_programme,
    read_all_steps,
    submit,
)
from tests.policy_helpers import publish, sign_form

SLUG = "why-a-policy"


def _certificates(kind: str | None = None) -> list[Certificate]:
    query = select(Certificate).order_by(Certificate.id)
    if kind:
        query = query.where(Certificate.kind == kind)
    return list(db.session.scalars(query))


def _issued_audits() -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "certificate.issued")
    )


def test_completing_a_module_issues_its_certificate_once(client, auth, employee):
    auth.login(employee.email)
    complete_module(client, SLUG)
    [certificate] = _certificates()
    assert certificate.kind == "module" and certificate.module_slug == SLUG
    assert certificate.holder_name == employee.full_name
    assert certificate.title_en == "Why a social-media policy?"
    assert certificate.title_fr and certificate.title_fr != certificate.title_en
    assert certificate.score == 100
    assert len(certificate.code) == CODE_LENGTH and set(certificate.code) <= set(ALPHABET)
    assert _issued_audits() == 1

    # Taking the quiz again and passing completes nothing new: no second certificate.
    response = submit(client, read_all_steps(client, SLUG), answers_for(SLUG))
    assert response.status_code == 302
    assert len(_certificates()) == 1 and _issued_audits() == 1


def test_the_certificate_is_part_of_the_submission_transaction(
    app, client, auth, employee, monkeypatch
):
    """Attempt, completion and certificate commit together: if the certificate cannot be
    written, the passing submission records nothing, and the learner can submit again."""
    from app.models.learning import ModuleCompletion, QuizAttempt

    auth.login(employee.email)
    url = read_all_steps(client, SLUG)
    real_seal = issuing.seals.seal

    def failing_seal(spec, row):
        if spec is issuing.evidence.CERTIFICATES:
            raise RuntimeError("the certificate could not be sealed")
        real_seal(spec, row)

    monkeypatch.setattr(issuing.seals, "seal", failing_seal)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert submit(client, url, answers_for(SLUG)).status_code == 500
    db.session.rollback()
    assert db.session.scalar(select(QuizAttempt)).submitted_at is None
    assert db.session.scalar(select(func.count()).select_from(ModuleCompletion)) == 0
    assert _certificates() == []

    monkeypatch.setattr(issuing.seals, "seal", real_seal)
    assert submit(client, url, answers_for(SLUG)).status_code == 302
    assert len(_certificates()) == 1
    assert db.session.scalar(select(func.count()).select_from(ModuleCompletion)) == 1


def test_a_failed_quiz_issues_nothing(client, auth, employee):
    auth.login(employee.email)
    submit(client, read_all_steps(client, SLUG), answers_for(SLUG, right=False))
    assert _certificates() == []


def test_issuing_again_for_the_same_completion_is_refused(client, auth, employee):
    auth.login(employee.email)
    complete_module(client, SLUG)
    from app.models.learning import ModuleCompletion

    completion = db.session.scalar(select(ModuleCompletion))
    assert issuing.issue_for_module(employee, completion) is None
    assert len(_certificates()) == 1


def test_codes_differ_between_certificates(client, auth, employee):
    auth.login(employee.email)
    complete_module(client, SLUG)
    complete_module(client, "professional-profile")
    codes = {c.code for c in _certificates()}
    assert len(codes) == 2


def test_programme_after_modules_then_signature(client, auth, employee):
    publish(1)
    auth.login(employee.email)
    slugs = complete_programme(client)
    assert len(_certificates("module")) == len(slugs)
    assert _certificates("programme") == [], "not before the policy is signed"

    response = sign_form(client, name=employee.full_name)
    assert response.status_code == 302
    [programme] = _certificates("programme")
    assert programme.module_slug is None and programme.score == 100
    assert programme.title_en == "Social-media policy training programme"

    # Signing again (already signed) and re-completing a module issue nothing more.
    sign_form(client, name=employee.full_name)
    complete_module(client, slugs[0])
    assert len(_certificates("programme")) == 1


def test_programme_after_signature_then_modules(client, auth, employee, no_signing_prerequisites):
    publish(1)
    auth.login(employee.email)
    assert sign_form(client, name=employee.full_name).status_code == 302
    assert _certificates("programme") == []
    slugs = [p.module.slug for p in placed_modules() if p.required]
    for slug in slugs[:-1]:
        complete_module(client, slug)
    # Signed, but one required module missing: still no programme certificate.
    assert _certificates("programme") == []
    assert issuing.issue_programme_if_due(employee) is None
    complete_module(client, slugs[-1])
    assert len(_certificates("programme")) == 1


def test_programme_needs_the_current_policy_signed(client, auth, employee):
    publish(1)
    auth.login(employee.email)
    complete_programme(client)
    assert issuing.issue_programme_if_due(employee) is None
    assert _certificates("programme") == []


def test_certificates_cannot_be_changed_on_postgresql(client, auth, employee):
    if BACKEND != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL")
    auth.login(employee.email)
    complete_module(client, SLUG)
    with pytest.raises(Exception, match="append-only|evidence"):
        db.session.execute(text("UPDATE certificate SET holder_name = 'Forged'"))
        db.session.flush()
    db.session.rollback()
