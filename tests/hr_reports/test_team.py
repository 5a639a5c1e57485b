"""Managers: their team (direct and indirect), what they may see, reminders, and 404 outside."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.hr_reports import team
from app.models.audit import AuditEvent
from app.models.reminder import ReminderSent
from app.models.user import User
from app.people import importer, managers
from tests.conftest import make_user, post_form


def _chart(app):
    """boss → lead → member; outsider reports to nobody. Everyone started on 2026-09-01."""
    boss = make_user("boss@example.com", "Bea Boss")
    lead = make_user("lead@example.com", "Leo Lead")
    member = make_user("member@example.com", "Mia Member")
    outsider = make_user("outsider@example.com", "Otto Outsider")
    system = ClientInfo.system()
    managers.set_manager(lead, boss, actor=None, client=system)
    managers.set_manager(member, lead, actor=None, client=system)
    return boss, lead, member, outsider


def test_a_manager_sees_direct_and_indirect_reports_and_nobody_else(app, client, auth):
    boss, lead, member, outsider = _chart(app)
    assert managers.team_ids(boss.id) == {lead.id, member.id}
    auth.login(boss.email)
    page = client.get("/team/").get_data(as_text=True)
    assert "Leo Lead" in page and "Mia Member" in page and "Otto Outsider" not in page
    assert "indirect" in page
    assert "This week" in page  # the digest
    assert client.get(f"/team/{member.id}").status_code == 200
    # Outside the team: not found, whether the person exists or not.
    assert client.get(f"/team/{outsider.id}").status_code == 404
    assert post_form(client, f"/team/{outsider.id}/remind", page="/team/").status_code == 404
    assert client.get(f"/team/{boss.id}").status_code == 404


def test_someone_with_no_report_is_not_a_manager(app, client, auth):
    _boss, _lead, member, _outsider = _chart(app)
    auth.login(member.email)
    assert client.get("/team/").status_code == 403
    assert "My team" not in client.get("/").get_data(as_text=True)


def test_the_team_menu_follows_the_reports_on_the_next_page(app, client, auth):
    """Whether someone manages is read with the person at each request: a report who leaves
    takes the menu item away on the next page, one who arrives brings it."""
    _boss, lead, member, _outsider = _chart(app)
    auth.login(lead.email)
    assert "My team" in client.get("/").get_data(as_text=True)
    member.active = False
    db.session.commit()
    assert "My team" not in client.get("/").get_data(as_text=True)
    assert client.get("/team/").status_code == 403
    member.active = True
    db.session.commit()
    assert "My team" in client.get("/").get_data(as_text=True)


def test_a_cycle_is_refused(app):
    boss, lead, member, _outsider = _chart(app)
    try:
        managers.set_manager(boss, member, actor=None, client=ClientInfo.system())
    except managers.ManagerError:
        pass
    else:
        raise AssertionError("a cycle was accepted")


def test_quiz_scores_only_when_the_setting_allows_and_consent_as_yes_no(app, client, auth, admin):
    boss, _lead, _member, _outsider = _chart(app)
    auth.login(boss.email)
    page = client.get("/team/").get_data(as_text=True)
    assert "Quiz score" not in page and "Image publishable" in page
    assert "purposes granted" not in page  # never consent details
    settings.update({team.SEE_QUIZ_SCORES.key: True}, actor=admin, client=ClientInfo.system())
    assert "Quiz score" in client.get("/team/").get_data(as_text=True)


def test_a_manager_reminds_a_late_report_once_audited(app, client, auth):
    boss, lead, _member, _outsider = _chart(app)  # due 14 days after 2026-09-01: long overdue
    auth.login(boss.email)
    response = post_form(client, f"/team/{lead.id}/remind", page="/team/", follow_redirects=True)
    assert "was reminded" in response.get_data(as_text=True)
    sent = db.session.scalars(select(ReminderSent)).all()
    assert [(r.user_id, r.sent_by_id, r.channel) for r in sent] == [(lead.id, boss.id, "app")]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "reminder.sent"))
    assert event.actor_id == boss.id and event.subject_id == lead.id
    again = post_form(client, f"/team/{lead.id}/remind", page="/team/", follow_redirects=True)
    assert "reminded recently" in again.get_data(as_text=True)


def test_the_csv_import_sets_managers_by_email(app, hr):
    raw = (
        "email,full_name,department,job_title,start_date,locale,role,manager_email\n"
        "chief@example.com,Chloé Chief,Ventes,Head,2026-09-01,fr,employee,\n"
        "seller@example.com,Sam Seller,Ventes,Seller,2026-09-01,fr,employee,chief@example.com\n"
    ).encode()
    result = importer.import_employees(raw, actor=hr, client=ClientInfo.system())
    assert result.ok, result.errors
    seller = db.session.scalar(select(User).where(User.email == "seller@example.com"))
    chief = db.session.scalar(select(User).where(User.email == "chief@example.com"))
    assert seller.manager_id == chief.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.manager_changed"))
    assert json.loads(event.details)["via"] == "import"
    bad = raw.replace(b"chief@example.com\n", b"ghost@example.com\n")
    assert not importer.import_employees(bad, actor=hr, client=ClientInfo.system()).ok


def test_hr_sets_a_manager_on_the_person_page(app, client, auth, hr):
    boss, _lead, _member, outsider = _chart(app)
    auth.login(hr.email)
    page = f"/hr/employees/{outsider.id}"
    post_form(client, f"{page}/manager", {"manager_email": boss.email}, page=page)
    db.session.expire_all()
    assert db.session.get(User, outsider.id).manager_id == boss.id
