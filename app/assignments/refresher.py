"""The optional refresher: the programme becomes due again some months after it was completed.

A refresher opens `assignments.refresher_months` months after the person completed the programme
and is due `assignments.programme_due_days` days after it opens. It is re-completed when every
required module has a passed quiz attempt, at the module's current material version, submitted
on or after the opening day (the learner reads the module again with "Take it again", then passes
its quiz; the original completions stay untouched). The next refresher opens the same number of
months after that re-completion.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import settings
from app.extensions import db
from app.learn.content.types import Module
from app.learn.progress import ProgrammeStatus
from app.models.learning import QuizAttempt
from app.models.user import User

REFRESHER_MONTHS = settings.SettingSpec(
    "assignments.refresher_months",
    "int",
    0,
    _l("Refresher: months after completing the programme"),
    _l("Assignments"),
    _l(
        "The programme becomes due again this many months after a person completed it (0: no refresher)."
    ),
    minimum=0,
    maximum=120,
)


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def passes(ids: list[int], modules: list[Module]) -> dict[tuple[int, str], list[datetime]]:
    """Passed attempts of these modules at their current material version, per (user id,
    slug), oldest first (a query per 500 people). Also read by the policy retraining rule."""
    versions = {m.slug: m.material_version for m in modules}
    found: dict[tuple[int, str], list[datetime]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            select(
                QuizAttempt.user_id,
                QuizAttempt.module_slug,
                QuizAttempt.material_version,
                QuizAttempt.submitted_at,
            ).where(
                QuizAttempt.passed.is_(True),
                QuizAttempt.module_slug.in_(list(versions)),
                QuizAttempt.user_id.in_(ids[start : start + 500]),
            )
        )
        for user_id, slug, version, submitted in rows:
            if versions.get(slug) == version:
                found[(user_id, slug)].append(submitted)
    for submissions in found.values():
        submissions.sort()
    return found


def refreshers(
    users: list[User],
    statuses: dict[int, ProgrammeStatus],
    required: list[Module],
    today: date,
    due_days: timedelta,
) -> dict[int, tuple[date, date, bool]]:
    """Per user id: (opening day, due day, done) of the latest refresher opened by `today`."""
    months = settings.get(REFRESHER_MONTHS)
    completed = [u for u in users if statuses[u.id].completed_at is not None]
    if not months or not required or not completed:
        return {}
    passes_of = passes([u.id for u in completed], required)
    result = {}
    for user in completed:
        base = statuses[user.id].completed_at
        while True:
            opens = add_months(base.date(), months)
            if opens > today:
                break
            opening = datetime.combine(opens, time.min, UTC)
            firsts = [
                next((t for t in passes_of.get((user.id, m.slug), []) if t >= opening), None)
                for m in required
            ]
            done = all(firsts)
            result[user.id] = (opens, opens + due_days, done)
            if not done:
                break
            base = max(firsts)
    return result
