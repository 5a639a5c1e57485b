"""Module administration, HR's view of affected people, the progress API and the signals."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core import hooks
from app.extensions import db
from app.learn import progress
from app.models.audit import AuditEvent
from app.models.learning import ModulePlacement
from tests.conftest import make_user, post_form
from tests.learning_helpers import answers_for, copy_content, edit_file, read_all_steps, submit

SLUG = "why-a-policy"


@pytest.fixture
def app_config(tmp_path):
    content_dir, quizzes_dir = copy_content(tmp_path / "src")
    return {"CONTENT_DIR": str(content_dir), "QUIZZES_DIR": str(quizzes_dir)}


def _order() -> list[str]:
    return [p.module.slug for p in progress.placed_modules()]


def test_admin_moves_a_module_and_it_is_audited(client, auth, admin):
    auth.login(admin.email)
    assert "Why a social-media policy?" in client.get("/admin/modules").get_data(as_text=True)
    response = post_form(
        client, "/admin/modules/professional-profile/move", {"direction": "up"}, "/admin/modules"
    )
    assert response.status_code == 302
    assert _order()[:2] == ["professional-profile", "why-a-policy"]
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert event.action == "module.settings_changed" and event.target_id == "professional-profile"


def test_admin_toggles_required_and_the_programme_follows(client, auth, admin, employee):
    auth.login(admin.email)
    post_form(client, f"/admin/modules/{SLUG}/required", page="/admin/modules")
    assert db.session.get(ModulePlacement, SLUG).required is False
    assert progress.programme_status([employee])[employee.id].required == 10


def test_hr_may_view_but_not_change(client, auth, hr):
    auth.login(hr.email)
    assert client.get("/admin/modules").status_code == 200
    response = post_form(client, f"/admin/modules/{SLUG}/required", page="/admin/modules")
    assert response.status_code == 403


def test_employee_gets_403(client, auth, employee):
    auth.login(employee.email)
    assert client.get("/admin/modules").status_code == 403


def test_missing_csrf_on_admin_change_is_400(client, auth, admin):
    auth.login(admin.email)
    assert client.post(f"/admin/modules/{SLUG}/required").status_code == 400
    assert db.session.get(ModulePlacement, SLUG) is None


def test_hr_sees_who_completed_an_older_version(app, client, auth, employee, hr):
    auth.login(employee.email)
    submit(client, read_all_steps(client, SLUG), answers_for(SLUG))
    auth.logout()
    for locale in ("fr", "en"):
        path = app.config["CONTENT_DIR"] + f"/modules/{SLUG}.{locale}.md"
        edit_file(path, "version: 2", "version: 3")
    assert [u.id for u in progress.affected_people()[SLUG]] == [employee.id]
    auth.login(hr.email)
    page = client.get("/admin/modules").get_data(as_text=True)
    assert "1 person" in page and employee.full_name in page


def test_programme_status_and_hooks(app, client, auth, employee, other_employee, count_queries):
    received = []
    finished = []

    def on_module(user, completion, entries):
        received.append((user.id, completion.module_slug))

    def on_programme(user, completion, completed_at):
        finished.append((user.id, completed_at))

    with (
        hooks.module_completed.override(app, [on_module]),
        hooks.programme_completed.override(app, [on_programme]),
    ):
        auth.login(employee.email)
        required = [p.module.slug for p in progress.placed_modules() if p.required]
        for slug in required:
            assert not progress.required_modules_completed(employee)
            submit(client, read_all_steps(client, slug), answers_for(slug))
    assert received == [(employee.id, slug) for slug in required]
    assert progress.required_modules_completed(employee)
    assert len(finished) == 1 and finished[0][0] == employee.id
    people = [employee, other_employee] + [make_user(f"p{i}@x.org", f"P {i}") for i in range(5)]
    for person in people:
        db.session.refresh(person)  # loaded, as a caller's list of users would be
    with count_queries() as counter:
        status = progress.programme_status(people)
    assert counter.count <= 2
    assert status[employee.id].completed == status[employee.id].required == len(required)
    assert status[employee.id].completed_at == finished[0][1]
    assert (
        status[other_employee.id].completed == 0 and status[other_employee.id].completed_at is None
    )
