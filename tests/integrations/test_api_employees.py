"""Employees through the API: upsert one or a batch (atomic, idempotent, bulk), deactivate, read."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import User
from tests.api_helpers import bearer, issue


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _row(i: int, **extra) -> dict:
    return {
        "email": f"person{i}@example.com",
        "external_id": f"HR-{i}",
        "full_name": f"Person {i}",
        "department": "Sales",
        "start_date": "2026-01-15",
        **extra,
    }


def test_put_creates_then_updates_then_changes_nothing(client, admin):
    token = issue(admin)
    url = "/api/v1/employees/ana@example.com"
    created = client.put(
        url, json={"full_name": "Ana Lima", "external_id": "E1"}, headers=bearer(token)
    )
    assert created.status_code == 200
    body = created.get_json()
    assert body["result"] == "created"
    assert body["employee"]["external_id"] == "E1" and body["employee"]["role"] == "employee"
    again = client.put(
        url, json={"full_name": "Ana Lima", "external_id": "E1"}, headers=bearer(token)
    )
    assert again.get_json()["result"] == "unchanged"
    moved = client.put(
        "/api/v1/employees/E1",
        json={"email": "ana.lima@example.com", "full_name": "Ana Lima", "department": "Legal"},
        headers=bearer(token),
    )
    assert moved.get_json()["result"] == "updated"
    assert moved.get_json()["employee"]["email"] == "ana.lima@example.com"
    read = client.get("/api/v1/employees/E1", headers=bearer(token)).get_json()
    assert read["department"] == "Legal" and read["start_date"] is None


def test_put_refuses_bad_input_with_a_problem(client, admin):
    token = issue(admin)
    bad = client.put(
        "/api/v1/employees/ana@example.com",
        json={"full_name": "", "locale": "de", "shoe_size": 42},
        headers=bearer(token),
    )
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    fields = {e["field"] for e in bad.get_json()["errors"]}
    assert {"full_name", "locale", "shoe_size"} <= fields
    not_json = client.put("/api/v1/employees/ana@example.com", data="x", headers=bearer(token))
    assert not_json.status_code == 415
    assert db.session.scalar(select(User).where(User.email == "ana@example.com")) is None


def test_batch_of_5000_is_written_with_bulk_statements(client, admin, count_queries):
    token = issue(admin)
    rows = [_row(i) for i in range(5000)]
    before = _people()
    with count_queries() as counter:
        response = client.post(
            "/api/v1/employees:batch", json={"employees": rows}, headers=bearer(token)
        )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 5000
    assert _people() == before + 5000
    # Lookups in chunks of 900, one INSERT executemany, the audit entry: never one per person.
    assert counter.count < 40, counter.count
    # Idempotent: the same batch again changes nothing; one change is one update.
    rows[7]["department"] = "Legal"
    again = client.post("/api/v1/employees:batch", json={"employees": rows}, headers=bearer(token))
    assert again.get_json()["updated"] == 1 and again.get_json()["unchanged"] == 4999
    assert _people() == before + 5000
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("users.upserted") == 2


def test_one_bad_row_and_nothing_is_written(client, admin):
    token = issue(admin)
    rows = [_row(i) for i in range(5000)]
    rows[4321]["email"] = "not-an-email"
    rows[10]["external_id"] = "HR-11"  # a duplicate within the batch
    before = _people()
    response = client.post(
        "/api/v1/employees:batch", json={"employees": rows}, headers=bearer(token)
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(4321, "email"), (11, "external_id")}
    assert _people() == before


def test_batch_matches_by_external_id_and_refuses_conflicts(client, admin, employee):
    token = issue(admin)
    client.post("/api/v1/employees:batch", json={"employees": [_row(1)]}, headers=bearer(token))
    clash = client.post(
        "/api/v1/employees:batch",
        json={"employees": [_row(1, email=employee.email)]},
        headers=bearer(token),
    )
    assert clash.status_code == 422
    assert clash.get_json()["errors"][0]["field"] == "email"
    empty = client.post("/api/v1/employees:batch", json={"employees": []}, headers=bearer(token))
    assert empty.status_code == 422


def test_deactivate_is_audited_and_idempotent(client, admin, employee):
    token = issue(admin)
    url = f"/api/v1/employees/{employee.email}/deactivate"
    first = client.post(url, headers=bearer(token))
    assert first.status_code == 200 and first.get_json()["active"] is False
    assert client.post(url, headers=bearer(token)).status_code == 200
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("user.deactivated") == 1
    assert (
        client.post(
            "/api/v1/employees/nobody@example.com/deactivate", headers=bearer(token)
        ).status_code
        == 404
    )
    # The issuer is an admin: invisible without employees:admin, and never self-deactivated.
    own = client.post(f"/api/v1/employees/{admin.email}/deactivate", headers=bearer(token))
    assert own.status_code == 404
    with_admin_scope = issue(admin, scopes=("employees:write", "employees:admin"))
    own = client.post(
        f"/api/v1/employees/{admin.email}/deactivate", headers=bearer(with_admin_scope)
    )
    assert own.status_code == 409


def test_cursor_pagination_walks_every_employee_once(client, admin):
    token = issue(admin)
    client.post(
        "/api/v1/employees:batch",
        json={"employees": [_row(i) for i in range(12)]},
        headers=bearer(token),
    )
    seen, cursor, pages = [], None, 0
    while True:
        query = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/employees", query_string=query, headers=bearer(token)).get_json()
        seen += [e["id"] for e in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # The 12 employees; the issuing admin is not listed without employees:admin.
    assert seen == sorted(set(seen)) and len(seen) == _people() - 1 == 12
    assert pages == 3
    for bad in ({"limit": 0}, {"limit": 201}, {"cursor": "!!!"}, {"cursor": "eyJ4IjoxfQ"}):
        assert (
            client.get("/api/v1/employees", query_string=bad, headers=bearer(token)).status_code
            == 400
        )
