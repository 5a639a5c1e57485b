"""The Me page: everything about me, my language and my password (other sessions signed out)."""

from __future__ import annotations

import pytest
from flask import g

from app.extensions import db
from app.models.audit import AuditEvent
from tests.conftest import PASSWORD, Auth, post_form
from tests.privacy_helpers import reminded, with_records

NEW_PASSWORD = "a much longer secret 42"


@pytest.fixture
def records(employee, other_employee, no_signing_prerequisites):
    with_records(employee)
    with_records(other_employee)


def test_me_shows_my_records_and_not_others(client, auth, employee, other_employee, records):
    auth.login(employee.email)
    page = client.get("/me").get_data(as_text=True)
    assert "Everything about me" in page
    assert "Version 1 signed on" in page
    assert "/policy/receipts/" in page
    assert "Company website" in page and "granted until" in page
    assert "Change my image consent" in page
    assert "Download all my data (ZIP)" in page
    assert other_employee.full_name not in page


def test_me_needs_sign_in(client):
    response = client.get("/me")
    assert response.status_code == 302 and "/login" in response.location


def test_me_page_query_count_is_bounded(client, auth, employee, records, count_queries):
    auth.login(employee.email)
    client.get("/me")  # warm caches (settings, content)
    with count_queries() as counter:
        assert client.get("/me").status_code == 200
    assert counter.count <= 20, counter.statements


def test_language_preference_is_saved(client, auth, employee):
    auth.login(employee.email)
    response = post_form(client, "/me/language", {"locale": "fr"}, page="/me")
    assert response.status_code == 302
    db.session.refresh(employee)
    assert employee.locale == "fr"
    assert '<html lang="fr">' in client.get("/me").get_data(as_text=True)


def test_wrong_current_password_is_refused(client, auth, employee):
    auth.login(employee.email)
    response = post_form(
        client,
        "/me/password",
        {
            "current_password": "not it at all",
            "new_password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
        page="/me",
    )
    assert response.status_code == 422
    assert "Your current password is incorrect." in response.get_data(as_text=True)
    db.session.refresh(employee)
    assert employee.check_password(PASSWORD)
    actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert "auth.password_change_refused" in actions and "auth.password_changed" not in actions


def _forget_loaded_user() -> None:
    # The tests share one app context, so the user and CSRF token cached on g must be dropped
    # when switching between two browsers.
    g.pop("_login_user", None)
    g.pop("csrf_token", None)


def test_password_change_signs_out_other_sessions_only(app, client, auth, employee):
    other = app.test_client()
    Auth(other).login(employee.email)
    assert other.get("/me").status_code == 200
    _forget_loaded_user()
    auth.login(employee.email)
    response = post_form(
        client,
        "/me/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        page="/me",
    )
    assert response.status_code == 302
    _forget_loaded_user()
    assert client.get("/me").status_code == 200  # this browser stays signed in
    _forget_loaded_user()
    assert other.get("/me").status_code == 302  # the other session was ended
    db.session.refresh(employee)
    assert employee.check_password(NEW_PASSWORD)
    assert db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.action == "auth.password_changed")
    )


def test_new_password_rules_apply(client, auth, employee):
    auth.login(employee.email)
    response = post_form(
        client,
        "/me/password",
        {"current_password": PASSWORD, "new_password": "short", "confirm": "short"},
        page="/me",
    )
    assert response.status_code == 422
    db.session.refresh(employee)
    assert employee.check_password(PASSWORD)


def test_password_change_without_csrf_is_refused(client, auth, employee):
    auth.login(employee.email)
    response = client.post(
        "/me/password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 400
    db.session.refresh(employee)
    assert employee.check_password(PASSWORD)


def test_me_sections_are_pluggable(app, client, auth, employee):
    from app.core import hooks
    from app.privacy import me_page

    def certificates(user, ctx):
        return me_page.MeSection("certificates", "My certificates", "me/_signatures.html", [])

    with hooks.me_sections.override(app, [certificates]):
        auth.login(employee.email)
        page = client.get("/me").get_data(as_text=True)
    assert 'id="section-certificates">My certificates</h2>' in page


def test_paper_signature_is_labelled_for_hr(client, auth, hr, employee):
    import io

    from app.policy import versions
    from tests.conftest import csrf_token
    from tests.policy_helpers import publish
    from tests.privacy_helpers import pdf_bytes

    if versions.current_version() is None:
        publish(1)
    auth.login(hr.email)
    url = f"/hr/people/{employee.id}/paper-signature"
    client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "version": "1",
            "locale": "en",
            "typed_name": employee.full_name,
            "paper_reference": "P-9",
            "scan": (io.BytesIO(pdf_bytes()), "f.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert "recorded by HR on behalf" in client.get("/hr/policy").get_data(as_text=True)


def test_me_lists_the_reminders_i_received_and_what_they_asked(
    client, auth, employee, other_employee, hr
):
    auth.login(employee.email)
    assert "Reminders received" not in client.get("/me").get_data(as_text=True)
    reminded(employee, by_hr=hr)
    reminded(other_employee, days_ago=1)
    page = client.get("/me").get_data(as_text=True)
    assert "Reminders received" in page
    assert page.count("sent by HR") == 1 and "sent automatically" not in page
    assert "Sign the social media policy" in page and "overdue" in page
    assert "Complete the module" in page
