"""Roles: the admin changes them (audited, last admin kept); auditors change nothing anywhere;
communications sees the consent pages and nothing with training scores."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import Role, User
from tests.conftest import csrf_token, make_user, post_form

HR_PREFIXES = ("/hr", "/admin")


def _role_of(user_id: int) -> str:
    db.session.expire_all()
    return db.session.get(User, user_id).role


def test_admin_changes_a_role_and_it_is_audited(client, auth, admin, employee):
    auth.login(admin.email)
    page = client.get("/admin/roles?q=employee%40").get_data(as_text=True)
    assert "Élodie Employée" in page
    response = post_form(client, f"/admin/roles/{employee.id}", {"role": "hr"}, page="/admin/roles")
    assert response.status_code == 302
    assert _role_of(employee.id) == "hr"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
    assert event.actor_id == admin.id and event.subject_id == employee.id
    assert json.loads(event.details) == {"from": "employee", "to": "hr"}


def test_bad_requests_change_nothing(client, auth, admin, employee):
    auth.login(admin.email)
    assert client.post(f"/admin/roles/{employee.id}", data={"role": "hr"}).status_code == 400
    assert post_form(client, f"/admin/roles/{employee.id}", {"role": "king"}).status_code == 400
    assert post_form(client, "/admin/roles/99999", {"role": "hr"}).status_code == 404
    assert _role_of(employee.id) == "employee"
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.role_changed"))
        is None
    )


def test_the_last_admin_cannot_demote_themselves(client, auth, admin):
    auth.login(admin.email)
    response = post_form(client, f"/admin/roles/{admin.id}", {"role": "hr"}, follow_redirects=True)
    assert "is the last administrator" in response.get_data(as_text=True)
    assert _role_of(admin.id) == "admin"
    second = make_user("admin2@example.com", "Bea Admin", role=Role.ADMIN)
    post_form(client, f"/admin/roles/{admin.id}", {"role": "hr"})
    assert _role_of(admin.id) == "hr"
    assert _role_of(second.id) == "admin"


def test_hr_cannot_manage_roles(client, auth, hr, employee):
    auth.login(hr.email)
    assert client.get("/admin/roles").status_code == 403
    assert post_form(client, f"/admin/roles/{employee.id}", {"role": "admin"}).status_code == 403


def _hr_routes(app) -> list[tuple[str, str]]:
    """(method, url) of every non-GET route under /hr and /admin, with ids filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(HR_PREFIXES):
            continue
        url = re.sub(r"<any\(([a-z_]+)[^>]*>", r"\1", rule.rule)  # the first choice
        url = re.sub(r"<(?:int:)?[a-z_]+>", "1", url)
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            found.append((method, url))
    return found


def test_auditor_is_refused_every_change(client, auth, app, employee):
    routes = _hr_routes(app)
    assert len(routes) >= 10
    auditor = make_user("auditor@example.com", "Audrey Auditrice", role=Role.AUDITOR)
    auth.login(auditor.email)
    token = csrf_token(client, "/")
    before = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    for method, url in routes:
        response = client.open(url, method=method, data={"csrf_token": token, "role": "admin"})
        assert response.status_code == 403, (method, url, response.status_code)
    after = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    assert after == before
    assert _role_of(auditor.id) == "auditor"


@pytest.mark.parametrize(
    "url",
    ["/hr/employees", "/hr/policy", "/admin/modules", "/hr/consent", "/hr/quiz-insight", "/hr"],
)
def test_auditor_reads_hr_pages(client, auth, app, url):
    make_user("auditor@example.com", "Audrey Auditrice", role=Role.AUDITOR)
    auth.login("auditor@example.com")
    assert client.get(url).status_code == 200


def test_communications_sees_consent_pages_only(client, auth, employee):
    make_user("com@example.com", "Coline Com", role=Role.COMMUNICATIONS)
    auth.login("com@example.com")
    for url in [
        "/hr",
        "/hr/employees",
        "/hr/quiz-insight",
        f"/hr/employees/{employee.id}",
        "/hr/policy",
        "/admin/modules",
    ]:
        assert client.get(url).status_code == 403, url
    for url in ["/hr/consent", "/hr/consent/check", "/hr/consent/reviews"]:
        assert client.get(url).status_code == 200, url
    home = client.get("/").get_data(as_text=True)
    assert "Image consent" in home and "Dashboard" not in home


def test_communications_cannot_record_paper_decisions(client, auth, employee):
    make_user("com@example.com", "Coline Com", role=Role.COMMUNICATIONS)
    auth.login("com@example.com")
    page = client.get(f"/hr/consent/people/{employee.id}").get_data(as_text=True)
    assert "Record a decision given on paper" not in page
    response = post_form(client, f"/hr/consent/people/{employee.id}", {"decision": "granted"})
    assert response.status_code == 403
