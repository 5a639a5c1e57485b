"""Public verification: genuine, unknown and garbled codes, JSON, rate limit and the registry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from app.core import hooks
from app.core.client import ClientInfo
from app.core.codes import format_code
from app.evidence import verification
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.policy import signing
from tests.conftest import BACKEND, PASSWORD
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


@pytest.fixture
def receipt_code(app, employee) -> str:
    publish(1)
    result = signing.sign(
        employee,
        version_number=1,
        locale="en",
        typed_name=employee.full_name,
        password=PASSWORD,
        client=ClientInfo(ip="10.1.2.3", user_agent="pytest"),
    )
    return result.acknowledgement.code


def test_genuine_receipt_shows_holder_document_and_date_only(client, receipt_code, employee):
    response = client.get(f"/verify/{receipt_code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This document is genuine." in html
    assert employee.full_name in html and "Social media policy" in html and "version 1" in html
    # Nothing else about the person: no email, department, IP or browser.
    for private in (employee.email, employee.department, "10.1.2.3", "pytest"):
        assert private not in html


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: format_code(code).lower(),
        lambda code: " ".join(format_code(code).split("-")),
        lambda code: code.lower(),
    ],
)
def test_codes_are_accepted_in_any_case_with_or_without_separators(client, receipt_code, typed):
    response = client.get(f"/verify/{typed(receipt_code)}")
    assert response.status_code == 200
    assert "This document is genuine." in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["0000-0000-0000-0000-0000", "not-a-code", "!!", "A" * 300])
def test_unknown_and_garbled_codes(client, receipt_code, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "No document matches this code." in html and "genuine." not in html


def test_json_variant(client, receipt_code, employee):
    by_header = client.get(f"/verify/{receipt_code}", headers={"Accept": "application/json"})
    by_param = client.get(f"/verify/{receipt_code}?format=json")
    for response in (by_header, by_param):
        assert response.status_code == 200
        body = response.get_json()
        assert body["status"] == "valid" and body["kind"] == "policy_acknowledgement"
        assert body["holder_name"] == employee.full_name
        assert body["details"]["version"] == 1
        assert body["code"] == format_code(receipt_code)
        assert "email" not in body and "ip" not in body
    unknown = client.get("/verify/nothing?format=json")
    assert unknown.status_code == 404 and unknown.get_json() == {"status": "unknown"}


def test_the_code_form_opens_the_code_page(client, receipt_code):
    assert client.get("/verify").status_code == 200
    response = client.get(f"/verify?code={format_code(receipt_code).lower()}")
    assert response.status_code == 302 and response.location.endswith(f"/verify/{receipt_code}")


def test_verification_is_rate_limited_per_ip(client, app, receipt_code):
    app.config["VERIFY_RATE_LIMIT"] = "3 per minute"
    statuses = [client.get(f"/verify/{receipt_code}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_an_altered_record_is_not_vouched_for(client, receipt_code):
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text("UPDATE acknowledgement SET typed_name = 'Forged'"))
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
    assert client.get(f"/verify/{receipt_code}").status_code == 404


def test_other_documents_register_their_own_lookup(client, app):
    def certificates(code: str):
        if code != "CERT0000000000000000":
            return None
        return verification.VerificationResult(
            kind="test_certificate",
            status="revoked",
            holder_name="Someone",
            title="Module 1",
            issued_at=datetime(2026, 1, 1, tzinfo=UTC),
        )

    with hooks.code_lookups.override(app, [*hooks.code_lookups.receivers(app), certificates]):
        response = client.get("/verify/cert-0000-0000-0000-0000")
        assert response.status_code == 200
        assert "This document was revoked" in response.get_data(as_text=True)
        assert client.get("/verify/CERT0000000000000000?format=json").get_json()["status"] == (
            "revoked"
        )


def test_receipt_lookup_is_one_of_the_verifiers(app, receipt_code):
    result = verification.verify(format_code(receipt_code))
    assert result.kind == "policy_acknowledgement" and result.status == "valid"
    ack = db.session.scalar(select(Acknowledgement))
    assert result.issued_at == ack.signed_at
