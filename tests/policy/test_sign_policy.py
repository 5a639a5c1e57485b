"""Signing the policy: the checks, the evidence recorded, double signing and the prerequisites."""

from __future__ import annotations

import hmac

import pytest
from sqlalchemy import func, select

from app.core import hooks, settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.policy import PolicyText
from app.policy import signing
from tests.policy_helpers import publish, sign_form

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Acknowledgement))


@pytest.fixture
def v1(app):
    return publish(1)


def test_policy_page_shows_the_full_text_and_the_explicit_statement(client, auth, employee, v1):
    auth.login(employee.email)
    html = client.get("/policy").get_data(as_text=True)
    assert "Social media policy" in html
    assert "11. Questions and contacts" in html  # the last section: the whole text is there
    assert "Charte Demo SA" in html and "{{" not in html  # variables filled in
    assert (
        "I have read and understood the social-media policy of Charte Demo SA, version 1, "
        "and I undertake to follow it." in html
    )
    assert 'type="checkbox"' in html and "checked" not in html.split('type="checkbox"')[1][:80]
    assert "You have not signed the policy yet" in html


def test_signing_records_the_evidence(client, auth, employee, v1):
    auth.login(employee.email)
    response = sign_form(client, name="Élodie Employée")
    assert response.status_code == 302
    ack = db.session.scalar(select(Acknowledgement))
    assert response.location.endswith(f"/policy/acknowledgements/{ack.id}")
    text = db.session.scalar(select(PolicyText).where(PolicyText.locale == "en"))
    assert ack.user_id == employee.id and ack.policy_version_id == v1.id
    assert ack.locale == "en" and ack.text_sha256 == text.sha256
    assert ack.statement.startswith("I have read and understood")
    assert ack.typed_name == "Élodie Employée"
    assert ack.ip == "127.0.0.1" and ack.auth_method == "password"
    assert ack.signed_at.tzinfo is not None
    assert hmac.compare_digest(ack.mac, signing.compute_mac(ack, 1))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "policy.signed"))
    assert event.subject_id == employee.id and event.target_id == str(ack.id)
    page = client.get(response.location).get_data(as_text=True)
    assert "Verification code" in page and f"/policy/receipts/{ack.id}.pdf" in page


def test_name_matches_ignoring_case_accents_and_spaces(client, auth, employee, v1):
    auth.login(employee.email)
    assert sign_form(client, name="  elodie   EMPLOYEE ").status_code == 302
    assert db.session.scalar(select(Acknowledgement.typed_name)) == "elodie EMPLOYEE"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Élodie Employée", "elodie employee"),
        ("ÉLODIE\u00a0 employée", "elodie employee"),
        ("E\u0301lodie Employe\u0301e", "elodie employee"),  # decomposed accents
        ("Chloé  Dubois", "chloe dubois"),
    ],
)
def test_normalise_name(typed, expected):
    assert signing.normalise_name(typed) == expected


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Someone Else"}, "Type your full name exactly as it appears on your account"),
        ({"name": ""}, "Type your full name."),
        ({"password": "wrong password"}, "Your password is incorrect."),
        ({"agree": False}, "Tick the statement to sign."),
    ],
)
def test_refused_signatures_record_nothing(client, auth, employee, v1, changes, message):
    auth.login(employee.email)
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    kwargs = {"name": "Élodie Employée", **changes}
    response = sign_form(client, **kwargs)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert "Nothing was signed" in response.get_data(as_text=True)
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def test_missing_csrf_token_is_refused(client, auth, employee, v1):
    auth.login(employee.email)
    response = sign_form(client, name="Élodie Employée", csrf=False)
    assert response.status_code == 400
    assert _count() == 0


def test_signing_twice_records_nothing_new_and_says_so(client, auth, employee, v1):
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée")
    response = sign_form(client, name="Élodie Employée", follow=True)
    assert "already signed this version" in response.get_data(as_text=True)
    assert "nothing new was recorded" in response.get_data(as_text=True)
    assert _count() == 1
    policy_signed = select(func.count()).where(AuditEvent.action == "policy.signed")
    assert db.session.scalar(policy_signed) == 1
    page = client.get("/policy").get_data(as_text=True)
    assert "You signed version 1 on" in page and 'name="typed_name"' not in page


def test_a_version_published_while_reading_must_be_read_first(client, auth, employee, v1):
    auth.login(employee.email)
    publish(2)
    response = sign_form(client, name="Élodie Employée", version=1)
    assert "A new version of the policy was published" in response.get_data(as_text=True)
    assert _count() == 0


def test_the_signature_records_the_language_shown(client, auth, employee, v1):
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée", locale="fr")
    ack = db.session.scalar(select(Acknowledgement))
    fr = db.session.scalar(select(PolicyText).where(PolicyText.locale == "fr"))
    assert ack.locale == "fr" and ack.text_sha256 == fr.sha256
    assert ack.statement.startswith("J")  # the French statement


def test_nothing_to_sign_before_a_version_is_published(client, auth, employee):
    auth.login(employee.email)
    page = client.get("/policy").get_data(as_text=True)
    assert "No version of the policy has been published yet" in page
    assert 'name="typed_name"' not in page


@pytest.fixture
def modules_prerequisite(app):
    def check(user):
        return "Complete the required modules first."

    with hooks.signing_prerequisites.override(app, [check]):
        yield check


def test_prerequisites_block_signing(client, auth, employee, v1, modules_prerequisite):
    auth.login(employee.email)
    page = client.get("/policy").get_data(as_text=True)
    assert "Complete the required modules first." in page
    assert 'name="typed_name"' not in page
    response = sign_form(client, name="Élodie Employée")
    assert "Complete the required modules first." in response.get_data(as_text=True)
    assert _count() == 0


def test_the_admin_may_allow_signing_before_completion(
    client, auth, employee, admin, v1, modules_prerequisite
):
    settings.update(
        {signing.ALLOW_SIGNING_BEFORE_COMPLETION.key: True},
        actor=admin,
        client=ClientInfo.system(),
    )
    auth.login(employee.email)
    assert sign_form(client, name="Élodie Employée").status_code == 302
    assert _count() == 1


def test_signing_is_rate_limited(client, auth, employee, v1, app):
    app.config["SIGN_RATE_LIMIT"] = "2 per minute"
    auth.login(employee.email)
    statuses = [sign_form(client, name="Nobody", password="x").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_publishing_a_new_version_makes_the_signature_outdated(client, auth, employee, v1):
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée")
    publish(2)
    page = client.get("/policy").get_data(as_text=True)
    assert "To sign again" in page
    assert "You signed version 1 on" in page and "Version 2 has been published since" in page
    assert "What changed" in page and "generative AI" in page
    assert 'name="typed_name"' in page
    assert sign_form(client, name="Élodie Employée", version=2).status_code == 302
    page = client.get("/policy").get_data(as_text=True)
    assert "You signed version 2 on" in page
    assert page.count("/policy/receipts/") == 2  # both signatures listed with their receipts


def test_policy_page_query_count_is_bounded(client, auth, employee, v1, count_queries):
    auth.login(employee.email)
    sign_form(client, name="Élodie Employée")
    publish(2)
    sign_form(client, name="Élodie Employée", version=2)
    with count_queries() as counter:
        assert client.get("/policy").status_code == 200
    assert counter.count <= 12, counter.statements
