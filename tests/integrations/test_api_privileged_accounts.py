"""An API token never reaches HR or an administrator without employees:admin, and dies with its
issuer's authority (demotion, deactivation), never revived by a re-promotion or reactivation."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import Role, User
from app.people import accounts, roles
from tests.api_helpers import bearer, issue
from tests.conftest import make_user


def _write_token(admin) -> str:
    return issue(admin, scopes=("employees:read", "employees:write", "status:read"))


def _reload(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_write_token_cannot_rekey_an_admin_then_take_over_their_email(client, admin):
    """The reported attack: set an external_id on the admin, then change their email through it."""
    token = _write_token(admin)
    rekey = client.put(
        "/api/v1/employees/admin@example.com",
        json={"full_name": "Ada Admin", "external_id": "X-1"},
        headers=bearer(token),
    )
    assert rekey.status_code == 403
    assert "employees:admin" in rekey.get_json()["detail"]
    readdress = client.put(
        "/api/v1/employees/X-1",
        json={"email": "attacker@evil.example", "full_name": "Ada Admin"},
        headers=bearer(token),
    )
    # X-1 names nobody, so this creates a new employee; the admin is untouched.
    assert readdress.status_code == 200
    assert readdress.get_json()["employee"]["role"] == "employee"
    admin = _reload(admin)
    assert admin.email == "admin@example.com" and admin.external_id is None


def test_write_token_cannot_change_the_email_of_hr_matched_by_email(client, admin, hr):
    token = _write_token(admin)
    # The body's external id is free; the row matches HR by email, and is refused.
    response = client.put(
        "/api/v1/employees/hr@example.com",
        json={"full_name": "Owned", "external_id": "NEW-HR"},
        headers=bearer(token),
    )
    assert response.status_code == 403
    assert _reload(hr).full_name == "Hugo Humain"


def test_batch_naming_an_admin_saves_nothing(client, admin, employee):
    token = _write_token(admin)
    response = client.post(
        "/api/v1/employees:batch",
        json={
            "employees": [
                {"email": employee.email, "full_name": "Changed"},
                {"email": admin.email, "full_name": "Ada Admin", "external_id": "ADM"},
            ]
        },
        headers=bearer(token),
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert [e["index"] for e in errors] == [1] and "employees:admin" in errors[0]["message"]
    assert _reload(employee).full_name == "Élodie Employée"
    assert _reload(admin).external_id is None


@pytest.mark.parametrize("victim_role", [Role.HR, Role.ADMIN, Role.AUDITOR, Role.COMMUNICATIONS])
def test_write_token_cannot_deactivate_or_read_staff(client, admin, victim_role):
    victim = make_user("staff@example.com", "Sam Staff", role=victim_role)
    token = _write_token(admin)
    deactivate = client.post(
        "/api/v1/employees/staff@example.com/deactivate", headers=bearer(token)
    )
    assert deactivate.status_code == 404
    assert _reload(victim).active is True
    assert (
        client.get("/api/v1/employees/staff@example.com", headers=bearer(token)).status_code == 404
    )
    status = client.get("/api/v1/employees/staff@example.com/status", headers=bearer(token))
    assert status.status_code == 404
    listed = client.get("/api/v1/employees?limit=200", headers=bearer(token)).get_json()["data"]
    assert {e["email"] for e in listed} == set()  # neither the victim nor the admin


def test_admin_scope_reaches_staff_and_is_audited(client, admin, hr):
    token = issue(admin, scopes=("employees:read", "employees:write", "employees:admin"))
    listed = client.get("/api/v1/employees", headers=bearer(token)).get_json()["data"]
    assert {e["email"] for e in listed} == {admin.email, hr.email}
    response = client.put(
        "/api/v1/employees/hr@example.com",
        json={"full_name": "Hugo Humain", "external_id": "HR-9"},
        headers=bearer(token),
    )
    assert response.status_code == 200 and response.get_json()["employee"]["role"] == "hr"
    deactivated = client.post("/api/v1/employees/HR-9/deactivate", headers=bearer(token))
    assert deactivated.status_code == 200 and _reload(hr).active is False


def test_email_and_external_id_changes_are_audited_with_the_token(client, admin, employee):
    token = _write_token(admin)
    token_id = str(
        db.session.scalar(
            select(AuditEvent.target_id).where(
                AuditEvent.action == AuditAction.API_TOKEN_CREATED.value
            )
        )
    )
    client.put(
        f"/api/v1/employees/{employee.email}",
        json={"full_name": employee.full_name, "external_id": "E-7"},
        headers=bearer(token),
    )
    client.put(
        "/api/v1/employees/E-7",
        json={"email": "elodie@example.com", "full_name": employee.full_name},
        headers=bearer(token),
    )
    entries = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == AuditAction.USER_IDENTITY_CHANGED.value)
        .order_by(AuditEvent.seq)
    ).all()
    assert [e.subject_id for e in entries] == [employee.id, employee.id]
    assert [e.actor_id for e in entries] == [admin.id, admin.id]
    first, second = (json.loads(e.details) for e in entries)
    assert first == {
        "fields": ["external_id"],
        "api_token_id": token_id,
        "external_id": {"from": None, "to": "E-7"},
    }
    assert second == {"fields": ["email"], "api_token_id": token_id}
    assert all(e.user_agent.startswith("api-token:") for e in entries)
    # Deactivation through the API names the token too.
    client.post("/api/v1/employees/E-7/deactivate", headers=bearer(token))
    entry = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == AuditAction.USER_DEACTIVATED.value)
    )
    assert json.loads(entry.details) == {"api_token_id": int(token_id)}


def _works(client, token) -> bool:
    return client.get("/api/v1/employees", headers=bearer(token)).status_code == 200


def test_token_stays_dead_after_its_issuer_is_demoted_and_promoted_again(client, admin):
    other_admin = make_user("boss@example.com", "Bea Boss", role=Role.ADMIN)
    token = _write_token(admin)
    assert _works(client, token)
    system = ClientInfo.system()
    roles.change_role(_reload(admin), Role.HR, actor=other_admin, client=system)
    assert not _works(client, token)
    roles.change_role(_reload(admin), Role.ADMIN, actor=other_admin, client=system)
    assert not _works(client, token)
    # A token issued after the re-promotion works.
    assert _works(client, _write_token(_reload(admin)))


def test_token_stays_dead_after_its_issuer_is_deactivated_and_reactivated(client, admin):
    other_admin = make_user("boss@example.com", "Bea Boss", role=Role.ADMIN)
    token = _write_token(admin)
    system = ClientInfo.system()
    accounts.set_active(_reload(admin), False, actor=other_admin, client=system)
    assert not _works(client, token)
    accounts.set_active(_reload(admin), True, actor=other_admin, client=system)
    assert not _works(client, token)


def test_token_stays_dead_after_a_role_round_trip_through_the_csv_import(client, admin):
    """The import's bulk update skips the ORM: it moves the generation itself."""
    from app.people import importer

    other_admin = make_user("boss@example.com", "Bea Boss", role=Role.ADMIN)
    token = _write_token(admin)
    for role in ("hr", "admin"):
        raw = (
            "email,full_name,department,job_title,start_date,locale,role\n"
            f"admin@example.com,Ada Admin,Direction,Tester,2026-09-01,en,{role}\n"
        ).encode()
        result = importer.import_employees(raw, actor=other_admin, client=ClientInfo.system())
        assert result.ok, result.errors
    assert _reload(admin).role == "admin"
    assert not _works(client, token)


def test_publication_check_does_not_name_staff_without_the_admin_scope(
    client, admin, hr, employee, purposes
):
    payload = {
        "purpose": "social-media",
        "medium": "photo",
        "people": [employee.email, hr.email],
        "reference": "Team photo",
    }
    narrow = issue(admin, scopes=("consents:check",))
    refused = client.post("/api/v1/consents/check", json=payload, headers=bearer(narrow))
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == [{"field": "people", "unknown": [hr.email]}]
    wide = issue(admin, scopes=("consents:check", "employees:admin"))
    allowed = client.post("/api/v1/consents/check", json=payload, headers=bearer(wide))
    assert allowed.status_code == 200
    assert {r["email"] for r in allowed.get_json()["results"]} == {employee.email, hr.email}


def test_certificates_of_staff_are_listed_only_with_the_admin_scope(client, auth, admin, hr):
    from tests.learning_helpers import complete_module

    auth.login(hr.email)
    complete_module(client, "why-a-policy")
    auth.logout()
    narrow = issue(admin, scopes=("certificates:read",))
    listed = client.get("/api/v1/certificates", headers=bearer(narrow)).get_json()["data"]
    assert listed == []
    wide = issue(admin, scopes=("certificates:read", "employees:admin"))
    listed = client.get("/api/v1/certificates", headers=bearer(wide)).get_json()["data"]
    assert [c["employee_email"] for c in listed] == [hr.email]
