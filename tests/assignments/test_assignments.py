"""Due dates: the programme and the policy are due N days after the start (or publication)."""

from __future__ import annotations

from datetime import date, timedelta

from app.assignments import due
from app.core import settings
from app.core.client import ClientInfo
from tests.policy_helpers import publish


def test_programme_is_due_two_weeks_after_the_start_date(app, employee):
    start = employee.start_date
    summary = due.summaries([employee], start + timedelta(days=3))[employee.id]
    programme = summary.items[0]
    assert programme.key == "programme"
    assert programme.due_on == start + timedelta(days=14)
    assert not summary.overdue
    late = due.summaries([employee], start + timedelta(days=15))[employee.id]
    assert [item.key for item in late.overdue] == ["programme"]
    soon = due.summaries([employee], start + timedelta(days=10))[employee.id]
    assert [item.key for item in soon.due_soon] == ["programme"]


def test_the_admin_sets_the_delay(app, employee, admin):
    settings.update({"assignments.programme_due_days": 30}, actor=admin, client=ClientInfo.system())
    summary = due.summaries([employee], date(2026, 9, 20))[employee.id]
    assert summary.items[0].due_on == employee.start_date + timedelta(days=30)


def test_a_new_policy_version_is_due_after_its_publication(app, employee):
    version = publish(1)
    summary = due.summaries([employee], date(2030, 1, 1))[employee.id]
    policy_item = summary.items[1]
    assert policy_item.key == "policy"
    expected_start = max(employee.start_date, version.published_at.date())
    assert policy_item.due_on == expected_start + timedelta(days=14)
    assert policy_item in summary.overdue


def test_queries_do_not_grow_with_the_number_of_people(app, count_queries):
    from sqlalchemy import select

    from app.extensions import db
    from app.models.user import User
    from tests.conftest import make_user

    for i in range(23):
        make_user(f"p{i}@example.com", f"P {i}", password=None)
    people = list(db.session.scalars(select(User)))  # loaded as a page would load them
    due.summaries(people[:1], date(2027, 1, 1))  # settings are read once per request
    with count_queries() as few:
        due.summaries(people[:1], date(2027, 1, 1))
    with count_queries() as many:
        due.summaries(people, date(2027, 1, 1))
    assert many.count == few.count
