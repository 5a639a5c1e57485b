"""One employee's page: profile, status and a single chronological timeline of their history."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.hr_reports import timeline
from app.models.learning import QuizAttempt
from app.models.user import Role, User
from tests.conftest import make_user
from tests.consent_helpers import decide
from tests.hr_helpers import login_hr, organisation
from tests.learning_helpers import answers_for, read_all_steps, submit
from tests.policy_helpers import publish, sign_form


def test_timeline_shows_every_kind_of_record_newest_first(
    client, auth, hr, employee, no_signing_prerequisites
):
    publish(1)
    from app.consent import texts

    texts.sync_from_files(actor=None)
    auth.login(employee.email)
    attempt = read_all_steps(client, "why-a-policy")
    submit(client, attempt, answers_for("why-a-policy", right=False))
    attempt = read_all_steps(client, "why-a-policy")
    submit(client, client.get(attempt).request.path, answers_for("why-a-policy"))
    sign_form(client, name=employee.full_name)
    decide(employee, "company-website", "photo", "granted")
    auth.logout()

    auth.login(hr.email)
    body = client.get(f"/hr/employees/{employee.id}").get_data(as_text=True)
    for text in [
        "Account created",
        "Password chosen",
        "not passed",
        "100%, passed",
        "Completed the module",
        "Signed the policy, version 1",
        "Granted: ",
    ]:
        assert text in body, text
    times = re.findall(r'<time datetime="([^"]+)"', body)
    assert times == sorted(times, reverse=True)


def test_unknown_person_is_404_and_employees_get_403(client, auth, hr, employee, other_employee):
    auth.login(hr.email)
    assert client.get("/hr/employees/99999").status_code == 404
    auth.logout()
    auth.login(employee.email)
    assert client.get(f"/hr/employees/{other_employee.id}").status_code == 403


def test_timeline_queries_do_not_grow_with_history(client, auth, app, count_queries):
    organisation(40)
    login_hr(auth)
    busiest = db.session.scalar(
        select(QuizAttempt.user_id)
        .group_by(QuizAttempt.user_id)
        .order_by(func.count().desc())
        .limit(1)
    )
    newcomer = make_user("new@example.com", "Nina Nouvelle", password=None)
    counts = []
    for user_id in (newcomer.id, busiest):
        client.get(f"/hr/employees/{user_id}")
        db.session.commit()
        with count_queries() as counter:
            assert client.get(f"/hr/employees/{user_id}").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_sources_are_pluggable(app, employee):
    def certificates(user, locale):
        yield timeline.TimelineEntry(at=user.created_at, kind="certificate", title="Certificate X")

    timeline.TIMELINE_SOURCES.append(certificates)
    try:
        entries = timeline.timeline(employee, "en")
    finally:
        timeline.TIMELINE_SOURCES.remove(certificates)
    assert "Certificate X" in [e.title for e in entries]


def test_role_change_appears_on_the_timeline(client, auth, admin, employee):
    from tests.conftest import post_form

    auth.login(admin.email)
    post_form(client, f"/admin/roles/{employee.id}", {"role": "auditor"}, page="/admin/roles")
    assert db.session.get(User, employee.id).role == Role.AUDITOR.value
    body = client.get(f"/hr/employees/{employee.id}").get_data(as_text=True)
    assert "Role changed" in body and "employee → auditor" in body
