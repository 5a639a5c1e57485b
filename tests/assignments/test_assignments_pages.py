"""The HR assignments page: roles, CSRF, validation and the audit entry."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.assignment import Assignment
from app.models.audit import AuditEvent
from app.models.user import Role
from tests.conftest import make_user, post_form

URL = "/hr/assignments"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_hr_assigns_a_module_to_a_department(client, auth, hr, employee):
    auth.login(hr.email)
    page = client.get(URL).get_data(as_text=True)
    assert "people who join the department later" in page
    data = {"module": "official-accounts", "department": "Marketing", "due_on": "2026-10-01"}
    response = post_form(client, URL, data, page=URL)
    assert response.status_code == 302
    row = db.session.scalar(select(Assignment))
    assert row.department == "Marketing" and row.due_on.isoformat() == "2026-10-01"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assignment.created"))
    assert event.actor_id == hr.id
    listing = client.get(URL).get_data(as_text=True)
    assert "Department Marketing" in listing and "0 of 1" in listing


def test_hr_finds_people_without_javascript_and_assigns_them(
    client, auth, hr, employee, other_employee
):
    auth.login(hr.email)
    page = client.get(URL + "?q=olivier").get_data(as_text=True)
    assert "Olivier Autre" in page and "Élodie" not in page
    data = {"module": "why-a-policy", "people": [str(other_employee.id)], "due_on": "2026-10-01"}
    assert post_form(client, URL + "?q=olivier", data, page=URL).status_code == 302
    assert "1 person" in client.get(URL).get_data(as_text=True)


def test_a_department_and_people_together_are_refused(client, auth, hr, employee):
    auth.login(hr.email)
    data = {
        "module": "why-a-policy",
        "department": "Marketing",
        "people": [str(employee.id)],
        "due_on": "2026-10-01",
    }
    response = post_form(client, URL, data, page=URL)
    assert response.status_code == 400 and "not both" in response.get_data(as_text=True)
    assert _count(Assignment) == 0


def test_missing_csrf_token_is_400_and_records_nothing(client, auth, hr):
    auth.login(hr.email)
    data = {"module": "why-a-policy", "department": "RH", "due_on": "2026-10-01"}
    assert client.post(URL, data=data).status_code == 400
    assert _count(Assignment) == 0


def test_auditor_reads_but_cannot_assign_and_employees_see_nothing(client, auth, employee):
    auditor = make_user("audit@example.com", "Aude Auditrice", role=Role.AUDITOR)
    auth.login(auditor.email)
    assert client.get(URL).status_code == 200
    data = {"module": "why-a-policy", "department": "Marketing", "due_on": "2026-10-01"}
    assert post_form(client, URL, data, page=URL).status_code == 403
    assert _count(Assignment) == 0
    auth.logout()
    auth.login(employee.email)
    assert client.get(URL).status_code == 403
