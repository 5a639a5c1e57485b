"""The notification centre: reminders in the app without mail, notices from events and from the
daily job (idempotent), the bell's count, opening and marking read, forgetting a person."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.reminder import Notification, ReminderSent
from app.models.types import utcnow
from app.models.user import Role
from app.notifications import notices, service
from app.operations.jobs import JOBS
from tests.conftest import make_user, post_form
from tests.policy_helpers import publish


def notices_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


@pytest.fixture
def overdue(employee):
    employee.start_date = date(2020, 1, 6)  # the programme is overdue whatever today is
    db.session.commit()
    return employee


def test_hr_reminds_one_person_without_mail_and_they_see_it_in_the_app(
    app, client, auth, hr, overdue, other_employee
):
    assert not app.config.get("MAIL_SERVER")
    auth.login(hr.email)
    page = client.get("/hr/reminders").get_data(as_text=True)
    assert "reminders reach people in the app only" in page
    response = post_form(client, f"/hr/reminders/people/{overdue.id}", {}, page="/hr/reminders")
    assert response.status_code == 302
    row = db.session.scalar(select(ReminderSent))
    assert row.user_id == overdue.id and row.channel == "app" and row.sent_by_id == hr.id
    [notice] = notices_of(overdue)
    assert notice.kind == "reminder" and notice.params["by_hr"] is True
    assert "1 reminder sent in the app" in client.get("/hr/reminders").get_data(as_text=True)
    # The same day again: the person was just reminded, nothing new.
    post_form(client, f"/hr/reminders/people/{overdue.id}", {}, page="/hr/reminders")
    assert len(notices_of(overdue)) == 1
    auth.logout()

    auth.login(overdue.email)
    home = client.get("/").get_data(as_text=True)
    assert 'class="bell-count">1<' in home
    listing = client.get("/notifications").get_data(as_text=True)
    assert "HR reminds you of 1 thing to do." in listing
    response = post_form(client, f"/notifications/{notice.id}/open", {}, page="/notifications")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert notices_of(overdue)[0].read_at is not None
    assert "bell-count" not in client.get("/").get_data(as_text=True)


def test_bulk_reminders_without_mail_reach_everyone_concerned_in_the_app(
    client, auth, hr, overdue, other_employee
):
    other_employee.start_date = date(2020, 1, 6)
    db.session.commit()
    auth.login(hr.email)
    post_form(client, "/hr/reminders", {}, page="/hr/reminders")
    assert {r.channel for r in db.session.scalars(select(ReminderSent))} == {"app"}
    assert len(notices_of(overdue)) == 1 and len(notices_of(other_employee)) == 1


def test_someone_else_cannot_open_or_see_my_notices(client, auth, overdue, other_employee, hr):
    auth.login(hr.email)
    post_form(client, f"/hr/reminders/people/{overdue.id}", {}, page="/hr/reminders")
    auth.logout()
    [notice] = notices_of(overdue)
    auth.login(other_employee.email)
    assert "HR reminds you" not in client.get("/notifications").get_data(as_text=True)
    response = post_form(client, f"/notifications/{notice.id}/open", {}, page="/notifications")
    assert response.status_code == 404
    assert notices_of(overdue)[0].read_at is None


def test_the_reminders_job_without_mail_reminds_in_the_app(app, overdue):
    with app.test_request_context():
        detail = JOBS["reminders"].run()
    assert "1 sent (app only)" in detail
    assert [n.kind for n in notices_of(overdue)] == ["reminder"]


def test_the_daily_notices_are_written_once_per_item_and_state(app, overdue, hr, admin):
    today = utcnow().date()
    for staff in (hr, admin):
        staff.start_date = today  # nothing due for them yet
    db.session.commit()
    first = notices.run(today)
    assert first.overdue_people == 1
    mine = notices_of(overdue)
    assert mine and {n.kind for n in mine} == {"due"}
    assert all(n.params["overdue"] for n in mine)
    hr_notices = notices_of(hr)
    assert [n.kind for n in hr_notices] == ["hr_overdue"] and hr_notices[0].params["count"] == 1
    assert [n.kind for n in notices_of(admin)] == ["hr_overdue"]  # admins hold HR's rights
    notices.run(today)  # again the same day, or on another host: nothing new
    assert len(notices_of(overdue)) == len(mine) and len(notices_of(hr)) == 1
    notices.run(today + timedelta(days=1))  # the next day: a new overdue count for HR only
    assert len(notices_of(overdue)) == len(mine) and len(notices_of(hr)) == 2


def test_a_consent_ending_soon_is_announced_once(app, employee, purposes):
    from tests.consent_helpers import decide

    today = utcnow().date()
    decide(employee, "social-media", "photo", "granted", until=today + timedelta(days=20))
    decide(employee, "social-media", "video", "granted", until=today + timedelta(days=20))
    notices.run(today)
    notices.run(today)
    expiring = [n for n in notices_of(employee) if n.kind == "consent_expiry"]
    assert len(expiring) == 1
    with app.test_request_context():
        from app.notifications import texts

        assert "ends on" in texts.text(expiring[0])


def test_a_new_policy_version_is_announced_to_everyone_active(app, employee, other_employee):
    publish(1)
    for person in (employee, other_employee):
        assert [n.kind for n in notices_of(person)] == ["policy"]
    with app.test_request_context():
        from app.notifications import texts

        assert "Version 1 of the policy is published" in texts.text(notices_of(employee)[0])


def test_a_webhook_given_up_is_announced_to_administrators(app, admin, hr):
    from app.core import hooks

    with app.test_request_context():
        hooks.webhook_failed.emit(41, "https://hooks.example.com/charte")
        db.session.commit()
    [notice] = notices_of(admin)
    assert notice.kind == "webhook_failed" and notice.params["host"] == "hooks.example.com"
    assert notices_of(hr) == []


def test_mark_all_read_and_the_count(client, auth, employee):
    publish(1)
    auth.login(employee.email)
    assert service.unread_count(employee.id) == 1
    assert "1 unread notification" in client.get("/notifications").get_data(as_text=True)
    post_form(client, "/notifications/read", {}, page="/notifications")
    assert service.unread_count(employee.id) == 0


def test_a_pseudonymised_person_loses_their_notices(app, employee):
    publish(1)
    result = service.forget_person(employee, former_email=employee.email)
    db.session.commit()
    assert result == {"notifications": 1}
    assert db.session.scalar(select(func.count(Notification.id))) == 0


def test_only_hr_may_send_and_a_csrf_token_is_needed(client, auth, overdue):
    auditor = make_user("audit@example.com", "Aude Auditrice", role=Role.AUDITOR)
    auth.login(auditor.email)
    response = post_form(client, f"/hr/reminders/people/{overdue.id}", {}, page="/hr/reminders")
    assert response.status_code == 403
    auth.logout()
    hr = make_user("hr2@example.com", "Hélène RH", role=Role.HR)
    auth.login(hr.email)
    assert client.post(f"/hr/reminders/people/{overdue.id}", data={}).status_code == 400
    assert notices_of(overdue) == []
