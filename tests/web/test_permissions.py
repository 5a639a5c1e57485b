"""Who may see what: anonymous users sign in first, employees get 403 on HR pages."""

from __future__ import annotations

import pytest

from app.models.user import Role
from tests.conftest import post_form

HR_PAGES = ["/hr/employees", "/hr/employees/new", "/hr/import"]


@pytest.mark.parametrize("url", HR_PAGES + ["/"])
def test_anonymous_users_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("url", HR_PAGES)
def test_employee_gets_403_on_hr_pages(client, auth, employee, url):
    auth.login(employee.email)
    response = client.get(url)
    assert response.status_code == 403
    assert "Access denied" in response.get_data(as_text=True)


def test_employee_cannot_post_to_hr_actions(client, auth, employee, other_employee):
    auth.login(employee.email)
    response = post_form(client, f"/hr/employees/{other_employee.id}/deactivate")
    assert response.status_code == 403
    assert other_employee.active


@pytest.mark.parametrize("url", HR_PAGES)
def test_hr_and_admin_see_hr_pages(client, auth, hr, admin, url):
    auth.login(hr.email)
    assert client.get(url).status_code == 200
    auth.logout()
    auth.login(admin.email)
    assert client.get(url).status_code == 200


def test_hr_cannot_deactivate_an_admin(client, auth, hr, admin):
    auth.login(hr.email)
    assert post_form(client, f"/hr/employees/{admin.id}/deactivate").status_code == 403
    assert admin.active


def test_auditor_reads_hr_lists_but_changes_nothing(client, auth, employee):
    from tests.conftest import make_user

    auditor = make_user("auditor@example.com", "Audrey Auditrice", role=Role.AUDITOR)
    auth.login(auditor.email)
    assert client.get("/hr/employees").status_code == 200
    assert client.get("/hr/import").status_code == 403
    response = post_form(client, f"/hr/employees/{employee.id}/deactivate", page="/hr/employees")
    assert response.status_code == 403
    assert employee.active
