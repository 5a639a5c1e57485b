"""Reminder emails through a real SMTP server: content, locale, links, interval, concurrency."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from app.assignments.cli import reminders_cli
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.reminder import ReminderSent
from app.models.user import Role
from tests.conftest import make_user, post_form

BASE = "https://charte.example.org"


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "CHARTE_BASE_URL": BASE}


def run(app, *args):
    return app.test_cli_runner().invoke(args=["reminders", "send", *args])


def sent_count() -> int:
    return db.session.scalar(select(func.count(ReminderSent.id)))


def to(smtp_server, address):
    return [m for m in smtp_server.messages if m["To"] == address]


def test_overdue_people_get_one_email_in_their_language_with_links(app, smtp_server, employee):
    french = make_user("fr@example.com", "François Français", locale="fr", password=None)
    result = run(app, "--today", "2026-09-20")
    assert result.exit_code == 0, result.output
    assert "2 sent" in result.output
    english = to(smtp_server, employee.email)[0]
    text = english.get_body(("plain",)).get_content()
    assert "Reminder" in english["Subject"]
    assert "Complete your training programme" in text and "overdue since September 15, 2026" in text
    assert f"{BASE}/" in text
    assert english.get_body(("html",)) is not None
    french_mail = to(smtp_server, french.email)[0]
    french_text = french_mail.get_body(("plain",)).get_content()
    assert "Rappel" in french_mail["Subject"]
    assert "15 septembre 2026" in french_text
    row = db.session.scalar(select(ReminderSent).where(ReminderSent.user_id == employee.id))
    assert row.sent_by_id is None and row.channel == "email"
    assert row.items[0]["key"] == "programme" and row.items[0]["overdue"]


def test_nobody_is_reminded_twice_within_the_interval(app, smtp_server, employee):
    assert run(app, "--today", "2026-09-20").exit_code == 0
    assert run(app, "--today", "2026-09-20").exit_code == 0
    assert "1 skipped" in run(app, "--today", "2026-09-26").output
    assert len(to(smtp_server, employee.email)) == 1
    assert run(app, "--today", "2026-09-27").exit_code == 0  # 7 days later
    assert len(to(smtp_server, employee.email)) == 2 and sent_count() == 2


def test_people_with_nothing_due_soon_get_nothing(app, smtp_server, employee):
    assert "0 sent" in run(app, "--today", "2026-09-01").output  # due on the 15th: not yet
    assert smtp_server.messages == []


def test_a_dry_run_sends_and_records_nothing(app, smtp_server, employee):
    result = run(app, "--dry-run", "--today", "2026-09-20")
    assert f"Would remind {employee.email}" in result.output
    assert smtp_server.messages == [] and sent_count() == 0


def test_without_mail_configuration_the_command_says_so_and_sends_nothing(
    app, smtp_server, employee
):
    app.config["MAIL_SERVER"] = None
    result = run(app, "--today", "2026-09-20")
    assert result.exit_code == 0 and "Mail is not configured" in result.output
    assert smtp_server.messages == [] and sent_count() == 0


def test_without_base_url_the_command_refuses(app, smtp_server, employee):
    app.config["CHARTE_BASE_URL"] = None
    result = run(app, "--today", "2026-09-20")
    assert result.exit_code == 1 and "CHARTE_BASE_URL" in result.output
    assert smtp_server.messages == [] and sent_count() == 0


def test_concurrent_runs_send_one_email_per_person(app, smtp_server, employee, other_employee):
    people = [employee, other_employee, make_user("third@example.com", "Tiers", password=None)]
    start = threading.Barrier(2)
    errors = []

    def command():
        try:
            start.wait()
            reminders_cli.main(
                ["send", "--today", "2026-09-20"],
                standalone_mode=False,
                obj=ScriptInfo(create_app=lambda: app),
            )
        except Exception as exc:  # noqa: BLE001 - reported to the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=command) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for person in people:
        assert len(to(smtp_server, person.email)) == 1, person.email
    db.session.expire_all()
    assert sent_count() == 3


def test_hr_reminds_one_department_from_the_page(
    client, auth, app, smtp_server, employee, other_employee, hr
):
    app.config["CHARTE_BASE_URL"] = BASE
    for person in (employee, other_employee):
        person.start_date = date(2020, 1, 6)  # the programme is overdue whatever today is
    db.session.commit()
    auth.login(hr.email)
    page = client.get("/hr/reminders?department=Ventes&overdue=1").get_data(as_text=True)
    assert "Olivier Autre" in page and "Élodie" not in page and "Never" in page
    response = post_form(
        client, "/hr/reminders", {"department": "Ventes", "overdue": "1"}, page="/hr/reminders"
    )
    assert response.status_code == 302
    assert [m["To"] for m in smtp_server.messages] == [other_employee.email]
    row = db.session.scalar(select(ReminderSent))
    assert row.sent_by_id == hr.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reminders.sent"))
    assert '"sent":1' in event.details and event.actor_id == hr.id
    again = client.get("/hr/reminders?department=Ventes").get_data(as_text=True)
    assert "Reminded recently" in again
    assert "0 people will be reminded" in again  # the only one concerned was just reminded
    auth.logout()
    auth.login(other_employee.email)
    assert "Reminders received" in client.get("/").get_data(as_text=True)


def test_reminder_page_requires_hr_to_send_and_a_csrf_token(client, auth, smtp_server, employee):
    auditor = make_user("audit@example.com", "Aude Auditrice", role=Role.AUDITOR)
    auth.login(auditor.email)
    assert client.get("/hr/reminders").status_code == 200
    assert post_form(client, "/hr/reminders", {}, page="/hr/reminders").status_code == 403
    auth.logout()
    hr = make_user("hr2@example.com", "Hélène RH", role=Role.HR)
    auth.login(hr.email)
    assert client.post("/hr/reminders", data={}).status_code == 400
    assert smtp_server.messages == [] and sent_count() == 0
    auth.logout()
    auth.login(employee.email)
    assert client.get("/hr/reminders").status_code == 403


def test_when_the_mail_server_refuses_nothing_is_recorded(app, smtp_server, employee):
    app.config["MAIL_PORT"] = 1  # nothing listens there
    result = run(app, "--today", "2026-09-20")
    assert "1 failed" in result.output and sent_count() == 0
