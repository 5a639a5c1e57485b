"""Assignment rules: HR assignments, new module versions, the refresher and "take it again"."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.assignments import due, targeting
from app.assignments.refresher import add_months
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.user import User
from tests.conftest import make_user, post_form
from tests.learning_helpers import complete_module, complete_programme, copy_content, edit_file

SLUG = "official-accounts"
SYSTEM = ClientInfo.system()


@pytest.fixture
def app_config(tmp_path):
    content_dir, quizzes_dir = copy_content(tmp_path / "src")
    return {"CONTENT_DIR": str(content_dir), "QUIZZES_DIR": str(quizzes_dir)}


def _item(user: User, key: str, today: date):
    items = due.summaries([user], today)[user.id].items
    return next((item for item in items if item.key == key), None)


def test_a_department_assignment_reaches_members_and_people_who_join_later(app, employee, hr):
    targeting.create(SLUG, "Marketing", [], date(2026, 10, 1), actor=hr, client=SYSTEM)
    item = _item(employee, f"module:{SLUG}", date(2026, 9, 20))
    assert item.due_on == date(2026, 10, 1) and not item.done
    assert item in due.summaries([employee], date(2026, 9, 25))[employee.id].due_soon
    assert item.overdue(date(2026, 10, 2))
    newcomer = make_user("new@example.com", "Nina Nouvelle", password=None)
    newcomer.start_date = date(2026, 11, 1)  # joined after the due date: gets the usual delay
    db.session.commit()
    assert _item(newcomer, f"module:{SLUG}", date(2026, 11, 2)).due_on == date(2026, 11, 15)
    outsider = make_user("out@example.com", "Oscar Ailleurs", department="Ventes", password=None)
    assert _item(outsider, f"module:{SLUG}", date(2026, 9, 20)) is None


def test_an_assignment_to_selected_people_concerns_only_them(app, employee, other_employee, hr):
    targeting.create(SLUG, "", [other_employee.id], date(2026, 9, 30), actor=hr, client=SYSTEM)
    assert _item(other_employee, f"module:{SLUG}", date(2026, 9, 1)).due_on == date(2026, 9, 30)
    assert _item(employee, f"module:{SLUG}", date(2026, 9, 1)) is None


def test_an_assigned_module_is_done_once_completed(app, client, auth, employee, hr):
    targeting.create(SLUG, "Marketing", [], date(2026, 9, 30), actor=hr, client=SYSTEM)
    auth.login(employee.email)
    complete_module(client, SLUG)
    item = _item(employee, f"module:{SLUG}", date(2026, 12, 1))
    assert item.done and not item.overdue(date(2026, 12, 1))


def test_a_new_material_version_is_due_again_from_the_day_it_was_first_seen(
    app, client, auth, employee
):
    auth.login(employee.email)
    complete_module(client, SLUG)
    assert _item(employee, f"module:{SLUG}", date(2026, 9, 5)) is None
    for locale in ("fr", "en"):
        edit_file(
            f"{app.config['CONTENT_DIR']}/modules/{SLUG}.{locale}.md", "version: 2", "version: 3"
        )
    first = _item(employee, f"module:{SLUG}", date(2027, 3, 1))
    assert first.due_on == date(2027, 3, 15) and not first.done
    later = _item(employee, f"module:{SLUG}", date(2027, 3, 20))
    assert later.due_on == date(2027, 3, 15) and later.overdue(date(2027, 3, 20))  # stable
    never = make_user("never@example.com", "Nadia Jamais", password=None)
    assert _item(never, f"module:{SLUG}", date(2027, 3, 20)) is None  # never completed it
    complete_module(client, SLUG)
    assert _item(employee, f"module:{SLUG}", date(2027, 3, 20)).done


def _pass_again(user: User, on: datetime) -> None:
    """A passed attempt at each completed module's quiz, submitted on `on` (as after a retake)."""
    for completion in db.session.scalars(
        select(ModuleCompletion).where(ModuleCompletion.user_id == user.id)
    ):
        first = db.session.get(QuizAttempt, completion.attempt_id)
        db.session.add(
            QuizAttempt(
                token=f"again-{completion.id}-{on.date()}",
                user_id=user.id,
                module_slug=first.module_slug,
                quiz_hash=first.quiz_hash,
                material_version=first.material_version,
                question_order=first.question_order,
                choice_order=first.choice_order,
                answers=first.answers,
                score=first.score,
                max_score=first.max_score,
                percent=first.percent,
                passed=True,
                started_at=on,
                submitted_at=on,
            )
        )
    db.session.commit()


def test_the_refresher_makes_the_programme_due_again_and_is_done_when_retaken(
    app, client, auth, employee, admin
):
    auth.login(employee.email)
    complete_programme(client)
    completed = db.session.scalar(select(func.max(ModuleCompletion.completed_at))).date()
    opens = add_months(completed, 12)
    assert _item(employee, "refresher", opens + timedelta(days=30)) is None  # off by default
    settings.update({"assignments.refresher_months": 12}, actor=admin, client=SYSTEM)
    assert _item(employee, "refresher", opens - timedelta(days=1)) is None  # not open yet
    item = _item(employee, "refresher", opens + timedelta(days=20))
    assert item.due_on == opens + timedelta(days=14) and item.overdue(opens + timedelta(days=20))
    programme = _item(employee, "programme", opens + timedelta(days=20))
    assert programme.done
    _pass_again(employee, datetime.combine(opens + timedelta(days=2), datetime.min.time(), UTC))
    assert _item(employee, "refresher", opens + timedelta(days=20)).done
    nxt = _item(employee, "refresher", add_months(opens + timedelta(days=2), 12))
    assert not nxt.done  # the next one opens a year after the re-completion


def test_take_it_again_starts_a_new_pass_without_touching_completions(client, auth, employee):
    auth.login(employee.email)
    complete_module(client, SLUG)
    response = post_form(client, f"/learn/{SLUG}/again")
    assert response.status_code == 302 and response.location.endswith(f"/learn/{SLUG}/1")
    quiz = post_form(client, f"/learn/{SLUG}/quiz")
    assert quiz.location.endswith(f"/learn/{SLUG}")  # steps must be read again first
    assert db.session.scalar(select(func.count(ModuleCompletion.id))) == 1
    assert "Completed" in client.get("/").get_data(as_text=True)
    complete_module(client, SLUG)
    assert db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.passed)) == 2


def test_learner_home_lists_due_items_with_an_overdue_badge(client, auth, employee, hr):
    targeting.create(SLUG, "", [employee.id], date(2020, 1, 1), actor=hr, client=SYSTEM)
    auth.login(employee.email)
    page = client.get("/").get_data(as_text=True)
    assert "What is due" in page and "Complete your training programme" in page
    assert f'href="/learn/{SLUG}"' in page and "Overdue" in page


def test_summary_queries_stay_bounded_with_department_assignments(app, hr, count_queries):
    targeting.create(SLUG, "Marketing", [], date(2026, 10, 1), actor=hr, client=SYSTEM)
    targeting.create("why-a-policy", "Ventes", [], date(2026, 10, 1), actor=hr, client=SYSTEM)
    for i in range(25):
        person = make_user(
            f"p{i}@example.com", f"P {i}", department=("Marketing", "Ventes")[i % 2], password=None
        )
        if i % 3 == 0:
            targeting.create(SLUG, "", [person.id], date(2026, 9, 20), actor=hr, client=SYSTEM)
    people = list(db.session.scalars(select(User)))
    due.summaries(people[:1], date(2027, 1, 1))
    with count_queries() as few:
        due.summaries(people[:1], date(2027, 1, 1))
    with count_queries() as many:
        result = due.summaries(people, date(2027, 1, 1))
    assert many.count == few.count
    assert sum(1 for s in result.values() for i in s.items if i.key.startswith("module:")) >= 25
