"""HR invites employees; invitation and reset links are single-use and expire."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.models.user import User
from app.people import accounts
from tests.conftest import csrf_token, post_form

LINK_RE = re.compile(r'value="(http://localhost/invitation/[^"]+)"')


def _invite(client, **fields):
    data = {
        "email": "new.person@example.com",
        "full_name": "Nouvelle Personne",
        "department": "Ventes",
        "job_title": "Commerciale",
        "start_date": "2026-12-01",
        "locale": "fr",
        "role": "employee",
        **fields,
    }
    return post_form(client, "/hr/employees/new", data, page="/hr/employees/new")


def test_hr_invites_and_sees_the_link_without_mail(client, auth, hr, caplog):
    auth.login(hr.email)
    response = _invite(client)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    link = LINK_RE.search(body).group(1)
    assert link in caplog.text  # also printed in the server log
    user = db.session.scalar(select(User).where(User.email == "new.person@example.com"))
    assert user.password_hash is None
    assert user.department == "Ventes"


def test_invited_employee_sets_password_once_and_signs_in(client, auth, hr):
    auth.login(hr.email)
    link = LINK_RE.search(_invite(client).get_data(as_text=True)).group(1)
    auth.logout()
    path = link.replace("http://localhost", "")
    token = csrf_token(client, path)
    response = client.post(
        path,
        data={
            "password": "une phrase secrète",
            "confirm": "une phrase secrète",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302  # and signed in: no second form to fill
    assert client.get("/").status_code == 200
    auth.logout()
    assert auth.login("new.person@example.com", "une phrase secrète").status_code == 302
    auth.logout()
    # Single use: the same link no longer works.
    again = client.get(path)
    assert again.status_code == 302
    assert again.location.endswith("/forgot-password")


def test_short_or_mismatched_password_is_refused(client, auth, hr):
    auth.login(hr.email)
    link = LINK_RE.search(_invite(client).get_data(as_text=True)).group(1)
    auth.logout()
    path = link.replace("http://localhost", "")
    for password, confirm, message in [
        ("short", "short", "at least 10"),
        ("long enough one", "different one!!", "do not match"),
    ]:
        response = client.post(
            path,
            data={"password": password, "confirm": confirm, "csrf_token": csrf_token(client, path)},
        )
        assert message in response.get_data(as_text=True)
    assert (
        db.session.scalar(select(User.password_hash).where(User.email == "new.person@example.com"))
        is None
    )


def test_expired_and_forged_links_are_refused(app, client, employee):
    token = accounts.make_token(employee, accounts.PASSWORD_RESET)
    app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] = -1
    assert accounts.user_for_token(token, accounts.PASSWORD_RESET) is None
    app.config["PASSWORD_RESET_MAX_AGE_SECONDS"] = 3600
    assert accounts.user_for_token(token, accounts.PASSWORD_RESET) == employee
    assert accounts.user_for_token(token + "x", accounts.PASSWORD_RESET) is None
    # A reset token is not an invitation token.
    assert accounts.user_for_token(token, accounts.INVITATION) is None


def test_duplicate_email_is_refused(client, auth, hr, employee):
    auth.login(hr.email)
    response = _invite(client, email=employee.email.upper())
    assert "already exists" in response.get_data(as_text=True)


def test_hr_cannot_create_an_admin(client, auth, hr):
    auth.login(hr.email)
    response = _invite(client, role="admin")
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "new.person@example.com")) is None


def test_forgot_password_does_not_reveal_accounts(client, employee):
    token = csrf_token(client, "/forgot-password")
    known = client.post(
        "/forgot-password",
        data={"email": employee.email, "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    unknown = client.post(
        "/forgot-password",
        data={"email": "ghost@example.com", "csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "If an account exists" in known
    assert "If an account exists" in unknown


def test_hr_gets_a_reset_link_for_someone_who_forgot(client, auth, hr, employee):
    auth.login(hr.email)
    response = post_form(client, f"/hr/employees/{employee.id}/reset-link", page="/hr/employees")
    body = response.get_data(as_text=True)
    assert "Password reset link for" in body
    link = re.search(r'value="http://localhost(/reset-password/[^"]+)"', body).group(1)
    auth.logout()
    response = client.post(
        link,
        data={
            "password": "a fresh secret!",
            "confirm": "a fresh secret!",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert response.status_code == 302
    assert auth.login(employee.email, "a fresh secret!").status_code == 302


def test_employee_cannot_get_reset_links_for_others(client, auth, employee, other_employee):
    auth.login(employee.email)
    response = post_form(client, f"/hr/employees/{other_employee.id}/reset-link")
    assert response.status_code == 403
