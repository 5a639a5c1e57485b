"""Server-side sessions: a copied cookie dies with its session; idle timeout; absolute lifetime;
the list of signed-in browsers on the Me page; "sign out of all devices"."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.types import utcnow
from app.models.user import Role, User, UserSession
from app.people import accounts, sessions
from tests.conftest import PASSWORD, Auth, csrf_token, make_user, post_form

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture(autouse=True)
def fresh_g_per_request(app):
    """Each request starts with an empty `g`, as in a server.

    The test client reuses the fixture's app context, so `g` (Flask-WTF's CSRF token, the loaded
    user, Babel's locale) would leak from one client's request into another's; these tests use
    several browsers at once."""
    from flask import g

    def clear() -> None:
        for name in list(g):
            g.pop(name)

    app.before_request_funcs.setdefault(None, []).insert(0, clear)


def browser(app, agent: str = FIREFOX) -> FlaskClient:
    """Another browser: its own cookie jar and User-Agent."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    return client


def copy_of(source: FlaskClient, app) -> FlaskClient:
    """What an attacker holds after stealing the cookie: the same cookie in another client,
    with another User-Agent and address (nothing about the client is trusted, or needed)."""
    thief = app.test_client()
    thief.environ_base.update({"HTTP_USER_AGENT": "curl/8.0", "REMOTE_ADDR": "198.51.100.66"})
    thief.set_cookie("session", source.get_cookie("session").value)
    return thief


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/me")
    if response.status_code == 302:
        assert "/login" in response.location
        return False
    assert response.status_code == 200
    return True


def rows(user: User) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


def age(user: User, **fields) -> None:
    """Move the user's sessions back in time, as someone with the database would see it later."""
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id).values(**fields))
    db.session.commit()


# ---- a copied cookie ends with the session ---------------------------------------------------


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client, auth, employee):
    auth.login(employee.email)
    thief = copy_of(client, app)
    assert signed_in(thief)  # the copy works while the session is open: a real stolen cookie
    auth.logout()
    assert not signed_in(client)
    assert not signed_in(thief)
    assert not signed_in(thief)  # and stays refused
    (row,) = rows(employee)
    assert row.revoked_reason == sessions.SIGNED_OUT
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.signed_out")
    ).one()
    assert json.loads(audit.details)["scope"] == "this_browser"


def test_a_cookie_copied_before_a_password_change_is_refused_after_it(app, client, auth, employee):
    auth.login(employee.email)
    other_device = browser(app, SAFARI_IPHONE)
    Auth(other_device).login(employee.email)
    thief = copy_of(client, app)
    before = {row.key_hash for row in rows(employee)}
    response = post_form(
        client,
        "/me/password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new pass",
            "confirm": "a brand new pass",
        },
        page="/me",
    )
    assert response.status_code == 302
    assert signed_in(client)  # the browser that changed it stays signed in, on a new session
    assert not signed_in(thief)  # a copy of its cookie from before the change does not
    assert not signed_in(other_device)
    # Only the new session of this browser is left (the ended ones were pruned at its start).
    (left,) = rows(employee)
    assert left.revoked_at is None and left.key_hash not in before


def test_a_password_reset_link_ends_every_session(app, client, auth, employee):
    auth.login(employee.email)
    thief = copy_of(client, app)
    with app.test_request_context():
        token = accounts.make_token(employee, accounts.PASSWORD_RESET)
    resetter = browser(app)
    post_form(
        resetter,
        f"/reset-password/{token}",
        {"password": "another good one", "confirm": "another good one"},
        page=f"/reset-password/{token}",
    )
    assert not signed_in(client)
    assert not signed_in(thief)
    assert not signed_in(resetter)


def test_a_role_change_ends_every_session_of_the_person(app, client, auth, employee, admin):
    auth.login(employee.email)
    thief = copy_of(client, app)
    admin_browser = browser(app)
    Auth(admin_browser).login(admin.email)
    response = post_form(
        admin_browser, f"/admin/roles/{employee.id}", {"role": "hr"}, page="/admin/roles"
    )
    assert response.status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief)
    assert signed_in(admin_browser)  # the admin's own session is not touched
    assert [row.revoked_reason for row in rows(employee)] == [sessions.ROLE_CHANGED]
    # Signing in again gives the new rights.
    assert auth.login(employee.email).status_code == 302
    assert client.get("/hr").status_code == 200


def test_deactivation_ends_every_session_and_copy(app, client, auth, employee, hr):
    auth.login(employee.email)
    thief = copy_of(client, app)
    accounts.set_active(employee, False, actor=hr, client=ClientInfo.system())
    assert not signed_in(client)
    assert not signed_in(thief)
    accounts.set_active(employee, True, actor=hr, client=ClientInfo.system())
    assert not signed_in(thief)  # reactivation does not revive an old cookie
    assert [row.revoked_reason for row in rows(employee)] == [sessions.DEACTIVATED]


def test_a_remember_me_cookie_signs_nobody_in(app, client, employee):
    """Flask-Login's remember cookie, correctly signed with the app's key (as if one had ever
    been issued), is not a way around the session check."""
    from flask_login.utils import encode_cookie

    with app.test_request_context():
        forged = encode_cookie(employee.get_id())
    client.set_cookie("remember_token", forged)
    assert not signed_in(client)
    assert rows(employee) == []


def test_the_database_holds_only_a_hash_of_the_cookie_key(app, client, auth, employee):
    from flask.sessions import SecureCookieSessionInterface

    auth.login(employee.email)
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    key = serializer.loads(client.get_cookie("session").value)["_charte_sid"]
    (row,) = rows(employee)
    assert key not in (row.key_hash, row.generation)
    assert len(key) >= 40


# ---- idle timeout and absolute lifetime ------------------------------------------------------


def test_hr_is_signed_out_after_30_idle_minutes(app, client, auth, hr):
    auth.login(hr.email)
    age(hr, last_seen_at=utcnow() - timedelta(minutes=29))
    assert client.get("/hr").status_code == 200
    age(hr, last_seen_at=utcnow() - timedelta(minutes=31))
    response = client.get("/hr")
    assert response.status_code == 302 and "/login" in response.location
    page = client.get(response.location).get_data(as_text=True)
    assert "You were signed out after a period without activity." in page
    assert [row.revoked_reason for row in rows(hr)] == [sessions.IDLE]
    age(hr, last_seen_at=utcnow())  # someone with the database cannot revive it either
    assert not signed_in(client)


def test_an_employee_may_stay_idle_for_8_hours(app, client, auth, employee):
    auth.login(employee.email)
    age(employee, last_seen_at=utcnow() - timedelta(hours=7, minutes=55))
    assert signed_in(client)
    age(employee, last_seen_at=utcnow() - timedelta(hours=8, minutes=5))
    assert not signed_in(client)
    assert [row.revoked_reason for row in rows(employee)] == [sessions.IDLE]


def test_the_idle_timeout_is_a_setting(app, client, auth, hr, admin):
    settings.update({sessions.IDLE_MINUTES_STAFF.key: 120}, actor=admin, client=ClientInfo.system())
    auth.login(hr.email)
    age(hr, last_seen_at=utcnow() - timedelta(minutes=90))
    assert client.get("/hr").status_code == 200
    age(hr, last_seen_at=utcnow() - timedelta(minutes=125))
    assert client.get("/hr").status_code == 302


def test_an_active_session_still_ends_at_its_absolute_lifetime(app, client, auth, employee):
    auth.login(employee.email)
    age(employee, created_at=utcnow() - timedelta(hours=11, minutes=50))
    assert signed_in(client)
    age(employee, created_at=utcnow() - timedelta(hours=12, minutes=5), last_seen_at=utcnow())
    response = client.get("/me")
    assert response.status_code == 302
    assert "Your session has ended" in client.get(response.location).get_data(as_text=True)
    assert [row.revoked_reason for row in rows(employee)] == [sessions.EXPIRED]


def test_use_is_recorded_at_most_once_a_minute_with_one_lookup_a_page(
    app, client, auth, employee, count_queries
):
    auth.login(employee.email)
    (before,) = rows(employee)
    with count_queries() as counter:
        client.get("/me")
        client.get("/me")
    lookups = [s for s in counter.statements if "FROM user_session" in s and "JOIN" in s]
    writes = [s for s in counter.statements if s.startswith("UPDATE user_session")]
    assert len(lookups) == 2  # one per request
    assert writes == []  # used within the minute: nothing written
    age(employee, last_seen_at=utcnow() - timedelta(minutes=5))
    with count_queries() as counter:
        client.get("/me")
    assert len([s for s in counter.statements if s.startswith("UPDATE user_session")]) == 1
    (after,) = rows(employee)
    assert after.last_seen_at > before.last_seen_at - timedelta(minutes=1)
    assert utcnow() - after.last_seen_at < timedelta(minutes=1)


# ---- the Me page: signed-in browsers ---------------------------------------------------------


def test_me_page_lists_my_browsers_and_marks_this_one(app, client, auth, employee, other_employee):
    auth.login(employee.email)
    phone = browser(app, SAFARI_IPHONE)
    Auth(phone).login(employee.email)
    Auth(browser(app)).login(other_employee.email)  # someone else's session is never listed
    page = client.get("/me").get_data(as_text=True)
    assert "Signed-in browsers" in page
    assert "Safari · iOS" in page
    assert page.count("This browser") == 1
    assert page.count("/me/sessions/") == 3  # two "Sign out" buttons and "all devices"
    listed = sessions.active(employee, None)
    assert len(listed) == 2


def test_signing_out_one_browser_from_another(app, client, auth, employee):
    auth.login(employee.email)
    phone = browser(app, SAFARI_IPHONE)
    Auth(phone).login(employee.email)
    phone_row = rows(employee)[1]
    response = post_form(client, f"/me/sessions/{phone_row.id}/end", page="/me")
    assert response.status_code == 302
    assert not signed_in(phone)
    assert signed_in(client)
    assert rows(employee)[1].revoked_reason == sessions.SIGNED_OUT_REMOTELY
    # Already ended: 404, nothing else changes.
    assert post_form(client, f"/me/sessions/{phone_row.id}/end", page="/me").status_code == 404


def test_another_persons_session_cannot_be_ended(app, client, auth, employee, other_employee):
    victim = browser(app)
    Auth(victim).login(other_employee.email)
    (victim_row,) = rows(other_employee)
    auth.login(employee.email)
    response = post_form(client, f"/me/sessions/{victim_row.id}/end", page="/me")
    assert response.status_code == 404
    assert signed_in(victim)
    assert rows(other_employee)[0].revoked_at is None


def test_ending_a_session_needs_csrf(app, client, auth, employee):
    auth.login(employee.email)
    (row,) = rows(employee)
    assert client.post(f"/me/sessions/{row.id}/end").status_code == 400
    assert client.post("/me/sessions/end-all", data={"csrf_token": "forged"}).status_code == 400
    assert signed_in(client)


def test_sign_out_of_all_devices(app, client, auth, employee):
    auth.login(employee.email)
    phone = browser(app, SAFARI_IPHONE)
    Auth(phone).login(employee.email)
    thief = copy_of(phone, app)
    response = post_form(client, "/me/sessions/end-all", page="/me", follow_redirects=True)
    assert "You are signed out of all your devices (2 sessions ended)." in response.get_data(
        as_text=True
    )
    assert not signed_in(client)
    assert not signed_in(phone)
    assert not signed_in(thief)
    assert {row.revoked_reason for row in rows(employee)} == {sessions.SIGNED_OUT_EVERYWHERE}
    audit = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.signed_out")
    ).one()
    assert json.loads(audit.details) == {"scope": "all_browsers", "sessions_ended": 2}
    # Signing in again works, and only the new session is listed.
    auth.login(employee.email)
    assert len(sessions.active(employee, None)) == 1


def test_signing_in_again_prunes_ended_sessions(app, client, auth, employee):
    for _ in range(3):
        auth.login(employee.email)
        auth.logout()
    auth.login(employee.email)
    assert [row.revoked_at for row in rows(employee)] == [None]


@pytest.mark.parametrize(
    "agent,summary",
    [
        (FIREFOX, "Firefox · Linux"),
        (SAFARI_IPHONE, "Safari · iOS"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge · Windows",
        ),
        ("curl/8.0", "curl"),
        ("", ""),
        ("<script>alert(1)</script>", ""),
    ],
)
def test_browser_summary(agent, summary):
    assert sessions.describe_browser(agent) == summary


def test_bulk_offboarding_paths_end_sessions_by_generation(app, client, auth, employee):
    """Paths that rotate the session generation without touching rows (CSV import, API sync,
    retention) still end the sessions."""
    auth.login(employee.email)
    thief = copy_of(client, app)
    db.session.execute(
        update(User).where(User.id == employee.id).values(session_token="rotated-elsewhere")
    )
    db.session.commit()
    assert not signed_in(thief)
    assert not signed_in(client)
    assert sessions.active(db.session.get(User, employee.id), None) == []


def test_sign_in_page_still_works_with_a_dead_cookie(app, client, auth, employee):
    auth.login(employee.email)
    auth.logout()
    assert client.get("/login").status_code == 200
    assert csrf_token(client)
    assert auth.login(employee.email).status_code == 302
    assert signed_in(client)


def test_communications_role_gets_the_short_idle_timeout(app, client, auth):
    comms = make_user("comms@example.com", "Camille Comms", role=Role.COMMUNICATIONS)
    auth.login(comms.email)
    age(comms, last_seen_at=utcnow() - timedelta(minutes=31))
    assert not signed_in(client)


def test_using_a_reset_link_while_signed_in_as_someone_else_ends_that_session(
    app, client, auth, employee, other_employee
):
    auth.login(other_employee.email)
    thief = copy_of(client, app)
    with app.test_request_context():
        token = accounts.make_token(employee, accounts.PASSWORD_RESET)
    post_form(
        client,
        f"/reset-password/{token}",
        {"password": "another good one", "confirm": "another good one"},
        page=f"/reset-password/{token}",
    )
    assert not signed_in(client)
    assert not signed_in(thief)
    assert [row.revoked_reason for row in rows(other_employee)] == [sessions.SIGNED_OUT]


# ---- the data export ---------------------------------------------------------------------------


def test_my_export_lists_my_sessions_and_nobody_elses(app, client, auth, employee, other_employee):
    import io
    import zipfile
    from pathlib import Path

    import jsonschema

    auth.login(employee.email)
    phone = browser(app, SAFARI_IPHONE)
    phone.environ_base["REMOTE_ADDR"] = "203.0.113.5"
    Auth(phone).login(employee.email)
    Auth(phone).logout()  # ended but still held until the next sign-in prunes it
    other = browser(app)
    other.environ_base["REMOTE_ADDR"] = "198.51.100.99"
    Auth(other).login(other_employee.email)
    response = post_form(client, "/me/export", page="/me")
    assert response.status_code == 200
    document = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("charte-export.json"))
    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "schemas" / "me-export.schema.json").read_text()
    )
    jsonschema.validate(document, schema)
    mine = {row.id for row in rows(employee)}
    exported = document["sessions"]
    assert {item["id"] for item in exported} == mine and len(mine) == 2
    by_device = {item["device"]: item for item in exported}
    assert by_device["Safari · iOS"]["ip"] == "203.0.113.5"
    assert by_device["Safari · iOS"]["ended_because"] == sessions.SIGNED_OUT
    (this_browser,) = [item for item in exported if item["device"] != "Safari · iOS"]
    assert this_browser["ended_at"] is None
    assert this_browser["signed_in_at"] and this_browser["last_used_at"]
    raw = json.dumps(document)
    assert "198.51.100.99" not in raw  # the other person's session is not in my export
    assert all("key_hash" not in item for item in exported)
