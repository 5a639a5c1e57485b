"""The due-date rules of `assignments` as SQL conditions on User, for lists and counts at scale.

`assignments.summaries` is the authority on due dates, but it looks at each person in Python:
fine for a page of 50, linear for a dashboard or a filter over 50,000 people. This module states
the same rules as SQL (uncorrelated IN-subqueries, which both databases evaluate once per
statement), so "how many are overdue per department" is one grouped query.

Every rule compares a column with a day computed here from `today` (no date arithmetic in SQL,
which SQLite and PostgreSQL spell differently):

- the programme is due start + N days (N: `assignments.programme_due_days`);
- the current policy version is due max(start, publication) + N days;
- a module is due again at first-seen(new version) + N for whoever completed an older version,
  at the HR assignment's date for people named in it, and at max(date, start + N) for members of
  an assigned department, and at publication + N for whoever completed it before a major policy
  version changed a section it teaches (app.policy.retraining); its earliest date counts, and it
  is done once the current version is completed (and, in the last case, its quiz passed again
  since that publication).

The optional refresher opens months after each completion of the programme and chains from
one re-completion to the next, a rule that does not fit one statement. People whose refresher
may have opened (`Conditions.refresher`) are therefore left to `assignments.summaries`; callers
combine the two with `python_matches`. Tests check this module against `summaries` on
randomised organisations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, not_, or_, select, true

from app.assignments import due as assignments
from app.assignments import refresher
from app.core import settings
from app.core.batches import batches
from app.extensions import db
from app.learn import module_versions, progress
from app.learn.content import catalog
from app.models.acknowledgement import Acknowledgement
from app.models.assignment import Assignment, AssignmentTarget
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.user import User
from app.policy import retraining, versions

OVERDUE = "overdue"
DUE_SOON = "due_soon"


@dataclass(frozen=True)
class Conditions:
    """SQL conditions on User for one day."""

    overdue: ColumnElement[bool]  # something not done is past its due day
    due_soon: ColumnElement[bool]  # something not done is due within DUE_SOON_DAYS
    programme_finished: ColumnElement[bool]
    # People whose refresher may have opened: their due items come from assignments.summaries.
    refresher: ColumnElement[bool] | None

    def due(self, which: str) -> ColumnElement[bool]:
        return self.overdue if which == OVERDUE else self.due_soon


def _any(conditions: Iterable[ColumnElement[bool]]) -> ColumnElement[bool]:
    found = list(conditions)
    return or_(*found) if found else false()


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def start_before(day: date) -> ColumnElement[bool]:
    """The person's start (start date, else the day the account was created) is before `day`."""
    return or_(
        and_(User.start_date.is_not(None), User.start_date < day),
        and_(User.start_date.is_(None), User.created_at < _midnight(day)),
    )


def _user_ids(*where) -> ColumnElement[bool]:
    return User.id.in_(select(ModuleCompletion.user_id).where(*where))


def _programme_finished(required: list, scope: Select | None) -> ColumnElement[bool]:
    """Every required module completed at some version (an update is its own due item)."""
    if not required:
        return true()
    slugs = [m.slug for m in required]
    # A CTE: the conditions below use it several times, the database computes it once.
    # (count(DISTINCT) per user measured faster than DISTINCT pairs then a count at 50,000.)
    # Grouping everyone's completions costs 140 ms at 50,000 people; limited to the `scope`
    # (say one department of 4,000), the same query costs 20.
    where = [ModuleCompletion.module_slug.in_(slugs)]
    if scope is not None:
        where.append(ModuleCompletion.user_id.in_(scope))
    finished = (
        select(ModuleCompletion.user_id)
        .where(*where)
        .group_by(ModuleCompletion.user_id)
        .having(func.count(ModuleCompletion.module_slug.distinct()) == len(slugs))
        .cte("programme_finished")
    )
    return User.id.in_(select(finished.c.user_id))


def _assigned_by_department(slug: str, due_condition) -> ColumnElement[bool]:
    return User.department.in_(
        select(Assignment.department).where(
            Assignment.module_slug == slug,
            Assignment.department.is_not(None),
            Assignment.department != "",
            due_condition,
        )
    )


def _assigned_by_name(slug: str, due_condition) -> ColumnElement[bool]:
    return User.id.in_(
        select(AssignmentTarget.user_id)
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .where(Assignment.module_slug == slug, due_condition)
    )


def _module(
    slug: str,
    version: int,
    update_due: date,
    assigned: bool,
    today: date,
    days,
    again: datetime | None = None,
):
    """(overdue, due soon) for one module; `again`: the publication of the major policy version
    that makes it due again for whoever completed it before (app.policy.retraining)."""
    soon = today + timedelta(days=assignments.DUE_SOON_DAYS)
    done = _user_ids(
        ModuleCompletion.module_slug == slug, ModuleCompletion.material_version == version
    )
    updated = _user_ids(
        ModuleCompletion.module_slug == slug, ModuleCompletion.material_version < version
    )
    stale: ColumnElement[bool] = false()
    if again is not None:
        passed = User.id.in_(
            select(QuizAttempt.user_id).where(
                QuizAttempt.module_slug == slug,
                QuizAttempt.passed.is_(True),
                QuizAttempt.material_version == version,
                QuizAttempt.submitted_at >= again,
            )
        )
        stale = and_(
            _user_ids(ModuleCompletion.module_slug == slug, ModuleCompletion.completed_at < again),
            not_(passed),
        )
        done = and_(done, not_(stale))

    def sources(last_day: date, inclusive: bool) -> ColumnElement[bool]:
        """Some due day of this module falls before (or on) `last_day`."""
        found = []
        if update_due < last_day or (inclusive and update_due == last_day):
            found.append(updated)
        if again is not None:
            again_due = again.date() + days
            if again_due < last_day or (inclusive and again_due == last_day):
                found.append(stale)
        if assigned:
            due = Assignment.due_on <= last_day if inclusive else Assignment.due_on < last_day
            bound = last_day + timedelta(days=1) if inclusive else last_day
            found.append(and_(_assigned_by_department(slug, due), start_before(bound - days)))
            found.append(_assigned_by_name(slug, due))
        return _any(found)

    late = sources(today, inclusive=False)
    return and_(not_(done), late), and_(not_(done), not_(late), sources(soon, inclusive=True))


def conditions(today: date, scope: Select | None = None) -> Conditions:
    """The conditions for `today` (a few small queries: settings, placements, versions, slugs).

    `scope`, a select of user ids, says whom the caller will ask about (a department, a search):
    the conditions are then only right for those people, and cheaper to evaluate.
    """
    days = timedelta(days=settings.get(assignments.PROGRAMME_DUE_DAYS))
    soon = today + timedelta(days=assignments.DUE_SOON_DAYS)
    late_start = start_before(today - days)  # start + N < today
    soon_start = start_before(soon - days + timedelta(days=1))  # start + N <= today + 7
    required = [p.module for p in progress.placed_modules() if p.required]
    finished = _programme_finished(required, scope)
    overdue = [and_(not_(finished), late_start)]
    due_soon = [and_(not_(finished), not_(late_start), soon_start)]

    current = versions.current_version()
    if current is not None:
        published = current.published_at.date()
        signed = User.id.in_(
            select(Acknowledgement.user_id).where(Acknowledgement.policy_version_id == current.id)
        )
        if published + days < today:
            overdue.append(and_(not_(signed), late_start))
        if published + days <= soon:
            # Due soon when max(start, publication) + N is not yet past.
            not_late = not_(late_start) if published + days < today else true()
            due_soon.append(and_(not_(signed), not_late, soon_start))

    seen = module_versions.first_seen(today)
    assigned = set(db.session.scalars(select(Assignment.module_slug).distinct()))
    again = retraining.modules_due_again()
    for module in catalog.catalog().modules:
        update_due = seen[(module.slug, module.material_version)] + days
        late, near = _module(
            module.slug,
            module.material_version,
            update_due,
            module.slug in assigned,
            today,
            days,
            again.get(module.slug),
        )
        overdue.append(late)
        due_soon.append(near)

    refresher_people = None
    months = settings.get(refresher.REFRESHER_MONTHS)
    if months and required:
        # A refresher opens `months` after the programme's completion, so at least 28 days a
        # month after the earliest required completion: anyone it may concern, and a few more.
        cutoff = _midnight(today - timedelta(days=28 * months) + timedelta(days=1))
        refresher_people = and_(
            finished,
            _user_ids(
                ModuleCompletion.module_slug.in_([m.slug for m in required]),
                ModuleCompletion.completed_at < cutoff,
            ),
        )
    return Conditions(
        overdue=_any(overdue),
        due_soon=_any(due_soon),
        programme_finished=finished,
        refresher=refresher_people,
    )


def matching(conds: Conditions, which: str, python_ids: list[int]) -> ColumnElement[bool]:
    """People matching `which` (overdue or due_soon): by SQL, or among the refresher people by
    `python_matches` (its ids are inlined as literals: no bound-parameter limit)."""
    return matching_any(conds, conds.due(which), python_ids)


def matching_any(
    conds: Conditions, condition: ColumnElement[bool], python_ids: list[int]
) -> ColumnElement[bool]:
    """`condition` (built from `conds`) for everyone but the refresher people, and those of
    them in `python_ids` (judged by assignments.summaries)."""
    if conds.refresher is None:
        return condition
    found = and_(not_(conds.refresher), condition)
    if not python_ids:
        return found
    ids = bindparam("refresher_ids", python_ids, expanding=True, literal_execute=True)
    return or_(found, User.id.in_(ids))


def python_matches(conds: Conditions, which: str, query, today: date) -> list[int]:
    """Ids among `query`'s refresher people matching `which`, by assignments.summaries."""
    if conds.refresher is None:
        return []
    kept = []
    for batch in batches(query.where(conds.refresher)):
        due = assignments.summaries(batch, today)
        kept.extend(u.id for u in batch if matches(due[u.id], which))
    return kept


def matches(summary: assignments.AssignmentSummary, which: str) -> bool:
    """The Python form of `Conditions.due(which)` for one person's summary."""
    return bool(summary.overdue if which == OVERDUE else summary.due_soon)
