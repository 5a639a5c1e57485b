"""Reading through the API: status, overdue list, the publication check, certificates, codes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.certificates import register as certificate_register
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.publication import PublicationCheck, PublicationCheckPerson
from app.models.types import utcnow
from tests.api_helpers import bearer, issue
from tests.consent_helpers import decide
from tests.policy_helpers import publish, sign_form


def test_status_shows_training_policy_and_consents(
    client, auth, admin, employee, purposes, no_signing_prerequisites
):
    publish(1)
    auth.login(employee.email)
    sign_form(client, name=employee.full_name)
    auth.logout()
    decide(employee, "social-media", "photo", "granted")
    token = issue(admin)
    body = client.get(
        f"/api/v1/employees/{employee.email}/status", headers=bearer(token)
    ).get_json()
    assert body["policy"]["state"] == "current" and body["policy"]["signed_version"] == 1
    assert body["training"]["done"] is False and body["training"]["required_modules"] > 0
    photo = next(
        c for c in body["consents"] if (c["purpose"], c["medium"]) == ("social-media", "photo")
    )
    assert photo["status"] == "granted" and photo["allowed"] is True
    assert any(c["status"] == "never" for c in body["consents"])
    # Consent states need consents:read as well.
    narrow = issue(admin, scopes=["status:read"], name="narrow")
    limited = client.get(
        f"/api/v1/employees/{employee.email}/status", headers=bearer(narrow)
    ).get_json()
    assert "consents" not in limited
    assert (
        client.get("/api/v1/employees/ghost@example.com/status", headers=bearer(token)).status_code
        == 404
    )


def test_overdue_lists_people_late_with_their_programme(client, admin, employee, other_employee):
    employee.start_date = date(2020, 1, 1)
    other_employee.start_date = utcnow().date()
    db.session.commit()
    token = issue(admin)
    body = client.get("/api/v1/overdue", headers=bearer(token)).get_json()
    emails = [row["employee"]["email"] for row in body["data"]]
    assert employee.email in emails and other_employee.email not in emails
    assert body["data"][emails.index(employee.email)]["overdue"][0]["item"] == "programme"


def test_consent_check_is_recorded_like_the_page(client, admin, employee, other_employee, purposes):
    decide(employee, "social-media", "photo", "granted")
    token = issue(admin, name="Newsroom")
    response = client.post(
        "/api/v1/consents/check",
        json={
            "purpose": "social-media",
            "medium": "photo",
            "people": [employee.email, other_employee.email],
            "reference": "Summer post",
        },
        headers=bearer(token),
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    answers = {r["email"]: (r["allowed"], r["state"]) for r in body["results"]}
    assert answers == {employee.email: (True, "granted"), other_employee.email: (False, "never")}
    check = db.session.get(PublicationCheck, body["check_id"])
    assert check.checked_by_id == admin.id and check.reference == "Summer post"
    assert db.session.scalar(select(func.count()).select_from(PublicationCheckPerson)) == 2
    entry = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "consent.publication_check")
    )
    assert "api-token:Newsroom" in entry.user_agent


def test_consent_check_refuses_unknown_people_and_records_nothing(client, admin, purposes):
    token = issue(admin)
    payload = {
        "purpose": "social-media",
        "medium": "photo",
        "people": ["x@example.com"],
        "reference": "r",
    }
    unknown = client.post("/api/v1/consents/check", json=payload, headers=bearer(token))
    assert unknown.status_code == 422
    assert unknown.get_json()["errors"][0]["unknown"] == ["x@example.com"]
    wrong = client.post(
        "/api/v1/consents/check", json={**payload, "purpose": "nope"}, headers=bearer(token)
    )
    assert wrong.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(PublicationCheck)) == 0
    narrow = issue(admin, scopes=["consents:read"], name="reader")
    assert (
        client.post("/api/v1/consents/check", json=payload, headers=bearer(narrow)).status_code
        == 403
    )


def test_certificates_are_listed_by_id_with_a_cursor(client, admin, monkeypatch):
    token = issue(admin)
    issued = utcnow()
    records = [
        certificate_register.CertificateRecord(
            i, f"CODE{i}", "a@example.com", None, "Programme", "valid", issued
        )
        for i in range(1, 4)
    ]
    monkeypatch.setattr(
        certificate_register,
        "records_after",
        lambda after, limit, **_filters: [r for r in records if r.id > after][:limit],
    )
    first = client.get("/api/v1/certificates?limit=2", headers=bearer(token)).get_json()
    assert [c["id"] for c in first["data"]] == [1, 2] and first["next_cursor"]
    rest = client.get(
        f"/api/v1/certificates?limit=2&cursor={first['next_cursor']}", headers=bearer(token)
    )
    assert [c["id"] for c in rest.get_json()["data"]] == [3] and rest.get_json()[
        "next_cursor"
    ] is None


def test_verify_a_receipt_code(client, auth, admin, employee, no_signing_prerequisites):
    from app.models.acknowledgement import Acknowledgement

    publish(1)
    auth.login(employee.email)
    sign_form(client, name=employee.full_name)
    auth.logout()
    code = db.session.scalar(select(Acknowledgement.code))
    token = issue(admin, scopes=["status:read"])
    body = client.get(f"/api/v1/verify/{code.lower()}", headers=bearer(token)).get_json()
    assert body["status"] == "valid" and body["holder_name"] == employee.full_name
    assert client.get("/api/v1/verify/ZZZZ-ZZZZ", headers=bearer(token)).status_code == 404
