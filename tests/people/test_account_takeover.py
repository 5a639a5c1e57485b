"""No HR action hands out a link for an account above HR; invitations only for accounts without
a password and single-use; every link on CHARTE_BASE_URL whatever Host the request names."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from app.core.audit_actions import AuditAction
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.user import Role, User
from app.people import accounts
from tests.conftest import csrf_token, make_user, post_form


def _on_evil_host(client) -> None:
    """Every later request names Host: evil.example (cookies follow that host, as a browser's)."""
    on_localhost = client.open

    def open_on_evil_host(*args, **kwargs):
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Host", "evil.example")
        return on_localhost(*args, headers=headers, **kwargs)

    client.open = open_on_evil_host
    client.get("/login")
    assert client.get_cookie("session", domain="evil.example") is not None


def _pending_admin() -> User:
    """An administrator invited by another admin who has not chosen a password yet."""
    return make_user("new.admin@example.com", "Nina Newadmin", role=Role.ADMIN, password=None)


def _links_issued() -> int:
    return len(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action.in_(
                    [AuditAction.USER_INVITED.value, AuditAction.AUTH_RESET_LINK_ISSUED.value]
                )
            )
        ).all()
    )


@pytest.mark.parametrize("has_password", [True, False])
@pytest.mark.parametrize("action", ["invite", "reset-link"])
def test_hr_gets_no_link_for_an_admin(client, auth, hr, admin, has_password, action):
    target = admin if has_password else _pending_admin()
    auth.login(hr.email)
    response = post_form(client, f"/hr/employees/{target.id}/{action}", page="/hr/employees")
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert "/invitation/" not in body and "/reset-password/" not in body
    assert _links_issued() == 0


def test_hr_employee_list_offers_no_link_action_for_an_admin(client, auth, hr, employee):
    pending = _pending_admin()
    auth.login(hr.email)
    page = client.get("/hr/employees").get_data(as_text=True)
    assert f"/hr/employees/{employee.id}/reset-link" in page
    for action in ("invite", "reset-link", "deactivate"):
        assert f"/hr/employees/{pending.id}/{action}" not in page


def test_invitation_csv_leaves_out_accounts_above_hr(client, auth, hr, admin):
    pending_admin = _pending_admin()
    newcomer = make_user("newcomer@example.com", "Noé Nouveau", password=None)
    _on_evil_host(client)
    auth.login(hr.email)
    response = post_form(client, "/hr/invitations.csv", page="/hr/import")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["email"] for r in rows] == [newcomer.email]
    assert pending_admin.email not in response.get_data(as_text=True)
    assert rows[0]["link"].startswith("http://localhost/invitation/")  # not evil.example
    # An administrator may hand out another administrator's invitation.
    auth.logout()
    auth.login(admin.email)
    response = post_form(client, "/hr/invitations.csv", page="/hr/import")
    text = response.get_data(as_text=True).lstrip("\ufeff")
    emails = {r["email"] for r in csv.DictReader(io.StringIO(text))}
    assert {pending_admin.email, newcomer.email} <= emails


def test_resend_invitation_to_someone_with_a_password_gives_no_link(client, auth, hr, employee):
    auth.login(hr.email)
    response = post_form(
        client, f"/hr/employees/{employee.id}/invite", page="/hr/employees", follow_redirects=True
    )
    body = response.get_data(as_text=True)
    assert "already chosen a password" in body
    assert "/invitation/" not in body
    assert _links_issued() == 0


def test_an_invitation_never_works_on_an_account_with_a_password(app, employee):
    with pytest.raises(accounts.AccountError):
        accounts.make_token(employee, accounts.INVITATION)
    # Even a token signed with the right key and fingerprint (as the old code issued) is refused.
    forged = accounts._serializer(accounts.INVITATION).dumps(
        {"uid": employee.id, "fp": accounts._password_fingerprint(employee)}
    )
    assert accounts.user_for_token(forged, accounts.INVITATION) is None
    # The same account's reset link works, once.
    assert accounts.user_for_token(
        accounts.make_token(employee, accounts.PASSWORD_RESET), accounts.PASSWORD_RESET
    )


def _choose_password(client, path: str, password: str):
    # The CSRF token comes from another page: a used link no longer shows its form.
    return client.post(
        path,
        data={
            "password": password,
            "confirm": password,
            "csrf_token": csrf_token(client, "/forgot-password"),
        },
    )


def test_reset_link_is_single_use(client, employee):
    path = "/reset-password/" + accounts.make_token(employee, accounts.PASSWORD_RESET)
    assert _choose_password(client, path, "first new secret").status_code == 302
    second = client.get(path)
    assert second.status_code == 302 and second.location.endswith("/forgot-password")
    refused = _choose_password(client, path, "second new secret")
    assert refused.status_code == 302 and refused.location.endswith("/forgot-password")
    db.session.expire_all()
    assert db.session.get(User, employee.id).check_password("first new secret")


def test_invitation_is_consumed_on_use(client, app):
    newcomer = make_user("newcomer@example.com", "Noé Nouveau", password=None)
    path = "/invitation/" + accounts.make_token(newcomer, accounts.INVITATION)
    assert _choose_password(client, path, "first chosen one").status_code == 302
    assert _choose_password(client, path, "taken over now!").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, newcomer.id).check_password("first chosen one")


def test_forgot_password_with_a_forged_host_logs_a_link_on_the_base_url(client, employee, caplog):
    _on_evil_host(client)
    token = csrf_token(client, "/forgot-password")
    response = client.post("/forgot-password", data={"email": employee.email, "csrf_token": token})
    assert response.status_code == 302
    assert "evil.example" not in caplog.text
    assert re.search(r"http://localhost/reset-password/\S+", caplog.text)


def test_hr_reset_link_page_uses_the_base_url_not_the_host(client, auth, hr, employee):
    _on_evil_host(client)
    auth.login(hr.email)
    response = post_form(client, f"/hr/employees/{employee.id}/reset-link", page="/hr/employees")
    body = response.get_data(as_text=True)
    assert "evil.example" not in body
    assert 'value="http://localhost/reset-password/' in body


def test_hr_invitation_page_uses_the_configured_base_url(app, client, auth, hr):
    app.config["CHARTE_BASE_URL"] = "https://charte.example.org/"
    _on_evil_host(client)
    auth.login(hr.email)
    response = post_form(
        client,
        "/hr/employees/new",
        {
            "email": "new.person@example.com",
            "full_name": "Nouvelle Personne",
            "locale": "fr",
            "role": "employee",
        },
        page="/hr/employees/new",
    )
    body = response.get_data(as_text=True)
    assert 'value="https://charte.example.org/invitation/' in body
    assert "evil.example" not in body
