"""The SQL due-date conditions agree with `assignments.summaries` on randomised organisations.

The dashboard counts, the list's overdue / due-soon filter and the choice of whom to remind use
`due_filters` (SQL); pages about one person and reminder contents use `assignments.summaries`. If the two disagreed, HR would see
"12 overdue" on the dashboard and 11 people in the overdue list. Each case below builds an
organisation with generated history, then adds what makes due dates interesting: people without
a start date, outdated module versions, department and named assignments with dates around
"today", and an optional refresher; then it compares both for several days.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.assignments import due, due_sql, refresher, reminders
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.hr_reports import dashboard, employee_list
from app.learn.content import catalog
from app.models.assignment import Assignment, AssignmentTarget, ModuleVersionSeen
from app.models.learning import ModuleCompletion, QuizAttempt, QuizSnapshot
from app.models.user import User
from tests.hr_helpers import organisation, today

DEPARTMENTS = ["Marketing", "Ventes", "Direction", ""]
DAYS = (*range(-25, 30), 400)  # every boundary of the random dates below, and far ahead


def _randomise(seed: int) -> None:
    rng = random.Random(seed)
    people = list(db.session.scalars(select(User).order_by(User.id)))
    slugs = [m.slug for m in catalog.catalog().modules]
    base = today()
    for user in people:
        user.department = rng.choice(DEPARTMENTS)
        if rng.random() < 0.2:
            user.start_date = None
            user.created_at = datetime.now(UTC) - timedelta(days=rng.randint(0, 60))
        elif rng.random() < 0.7:
            user.start_date = base + timedelta(days=rng.randint(-60, 25))
        if rng.random() < 0.25:
            _old_completion(user, rng.choice(slugs), rng)
    for module in catalog.catalog().modules:
        first_seen = base + timedelta(days=rng.randint(-30, 5))
        db.session.add(
            ModuleVersionSeen(
                module_slug=module.slug,
                material_version=module.material_version,
                first_seen_on=first_seen,
            )
        )
    for _ in range(6):
        due_on = base + timedelta(days=rng.randint(-20, 20))
        slug = rng.choice(slugs)
        if rng.random() < 0.5:
            db.session.add(
                Assignment(module_slug=slug, department=rng.choice(DEPARTMENTS), due_on=due_on)
            )
        else:
            assignment = Assignment(module_slug=slug, department=None, due_on=due_on)
            db.session.add(assignment)
            db.session.flush()
            for user in rng.sample(people, 8):
                db.session.add(AssignmentTarget(assignment_id=assignment.id, user_id=user.id))
    db.session.commit()


def _old_completion(user: User, slug: str, rng: random.Random) -> None:
    """A completion of an older material version (version 0): the module is due again."""
    at = datetime.now(UTC) - timedelta(days=rng.randint(30, 900))
    attempt = QuizAttempt(
        token=f"old-{user.id}-{slug}",
        user_id=user.id,
        module_slug=slug,
        quiz_hash=db.session.scalar(select(QuizSnapshot.content_hash).limit(1)),
        material_version=0,
        question_order=[],
        choice_order={},
        answers={},
        score=1,
        max_score=1,
        percent=100,
        passed=True,
        started_at=at,
        submitted_at=at,
    )
    db.session.add(attempt)
    db.session.flush()
    db.session.add(
        ModuleCompletion(
            user_id=user.id,
            module_slug=slug,
            material_version=0,
            content_hash="0" * 64,
            score=100,
            attempt_id=attempt.id,
            completed_at=at,
        )
    )


def _refresher(months: int) -> None:
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    settings.update(
        {refresher.REFRESHER_MONTHS.key: months}, actor=admin, client=ClientInfo.system()
    )


def _python(day):
    people = list(db.session.scalars(select(User).order_by(User.id)))
    return people, due.summaries(people, day)


def _ids(condition) -> set[int]:
    return set(db.session.scalars(select(User.id).where(condition)))


@pytest.mark.parametrize(("seed", "months"), [(1, 0), (2, 0), (3, 12), (4, 1)])
def test_sql_conditions_match_the_python_rules(app, seed, months):
    organisation(60)
    _randomise(seed)
    _refresher(months)
    for offset in DAYS:
        day = today() + timedelta(days=offset)
        conds = due_sql.conditions(day)
        people, summaries = _python(day)
        candidates = _ids(conds.refresher) if conds.refresher is not None else set()
        overdue, due_soon = _ids(conds.overdue), _ids(conds.due_soon)
        finished = _ids(conds.programme_finished)
        for user in people:
            summary = summaries[user.id]
            has_refresher = any(item.key == "refresher" for item in summary.items)
            assert not has_refresher or user.id in candidates, (offset, user.id)
            programme = next(item for item in summary.items if item.key == "programme")
            assert (user.id in finished) == programme.done, (offset, user.id)
            if user.id in candidates:
                continue
            assert (user.id in overdue) == bool(summary.overdue), (offset, user.id, summary)
            assert (user.id in due_soon) == bool(summary.due_soon), (offset, user.id, summary)


@pytest.mark.parametrize("months", [0, 1])
def test_the_list_filter_and_the_dashboard_count_what_the_rules_say(app, months):
    organisation(60)
    _randomise(7)
    _refresher(months)
    for offset in (-3, 0, 9, 400):
        day = today() + timedelta(days=offset)
        people, summaries = _python(day)
        for which in (due_sql.OVERDUE, due_sql.DUE_SOON):
            expected = {u.id for u in people if due_sql.matches(summaries[u.id], which)}
            flt = employee_list.ListFilter(due=which)
            listed = set(
                db.session.scalars(employee_list.filtered(flt, day).with_only_columns(User.id))
            )
            assert listed == expected, (offset, which)
            # Filtered by department, the due conditions are scoped to it: same answers.
            department = people[0].department
            in_department = {u.id for u in people if u.department == department}
            flt = employee_list.ListFilter(due=which, department=department)
            listed = set(
                db.session.scalars(employee_list.filtered(flt, day).with_only_columns(User.id))
            )
            assert listed == expected & in_department, (offset, which, department)
        found = reminders.candidates(day, department=people[0].department, overdue_only=True)
        assert {c.user.id for c in found} == {
            u.id
            for u in people
            if u.active and u.department == people[0].department and summaries[u.id].overdue
        }, offset
        figures = dashboard.dashboard(day)
        active = [u for u in people if u.active]
        assert figures.overdue == sum(bool(summaries[u.id].overdue) for u in active)
        assert figures.due_soon == sum(bool(summaries[u.id].due_soon) for u in active)
        found = reminders.candidates(day)
        expected = {u.id for u in active if summaries[u.id].overdue or summaries[u.id].due_soon}
        assert {c.user.id for c in found} == expected, offset
        shown = reminders.preview(day, limit=5)
        assert shown.total == len(found) and shown.to_remind == len(found)  # none sent yet
        assert [c.user.id for c in shown.people] == [c.user.id for c in found[:5]]
