"""The employee CSV export's rows from one streamed statement, for 50,000 people in seconds.

`people_status.statuses` is the authority on where a person stands, and reads a batch of people
in a dozen queries, building Python objects for every completion. For the export of everyone
that was most of the time. Here the same figures come from ONE statement, streamed (a
server-side cursor on PostgreSQL, a plain cursor on SQLite): the filtered, sorted list of
people joined with per-person aggregates computed once each by the database (completions per
module, HR assignments by name and by department, the latest signature, the latest consent
decisions, the last audited action). Each row then goes through the same rules as
`assignments.summaries` in plain Python, with no further query, except for the optional
refresher (people who completed the programme, when refreshers are on), judged a batch at a
time by `refresher.refreshers` like everywhere else.

tests/hr_reports/test_export_rows.py compares this with `people_status.statuses` on generated
organisations with every item kind (HR assignments by name and department, updated modules
completed again, refreshers, signatures of older versions, expired and revoked consent).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from app.assignments import due as assignments
from app.assignments import refresher
from app.consent import decisions
from app.core import settings
from app.extensions import db
from app.hr_reports import employee_list, people_status
from app.learn import module_versions, progress
from app.learn.content import catalog
from app.models.acknowledgement import Acknowledgement
from app.models.assignment import Assignment, AssignmentTarget
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.learning import ModuleCompletion
from app.models.policy import PolicyVersion
from app.models.user import User
from app.policy import versions

STREAM = 2000  # rows fetched per round trip of the server-side cursor


@dataclass(frozen=True)
class ExportRow:
    """What one line of the employee CSV says about a person."""

    full_name: str
    email: str
    department: str | None
    job_title: str | None
    active: bool
    invited: bool  # no password yet
    completed: int
    required: int
    overdue: bool
    due_soon: bool
    next_due: date | None
    policy_state: str
    consent_granted: int
    consent_purposes: int
    last_activity: datetime | None


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.max(case((condition, 1), else_=0))


def rows(flt: employee_list.ListFilter, today: date) -> Iterator[ExportRow]:
    """Everyone matching the filter, in the list's order, with their status (one statement)."""
    days = timedelta(days=settings.get(assignments.PROGRAMME_DUE_DAYS))
    soon = today + timedelta(days=assignments.DUE_SOON_DAYS)
    modules = catalog.catalog().modules
    required = [p.module for p in progress.placed_modules() if p.required]
    required_pairs = [(m.slug, m.material_version) for m in required]
    seen = module_versions.first_seen(today)  # may commit: before the streamed read
    current = assignments.current_policy()
    current_number = versions.current_version_number()
    purposes = people_status.active_purposes()
    purpose_ids = [p.id for p in purposes]

    def is_pair(pairs: list[tuple[str, int]]) -> ColumnElement[bool]:
        return or_(
            False,
            *[
                and_(ModuleCompletion.module_slug == s, ModuleCompletion.material_version == v)
                for s, v in pairs
            ],
        )

    # Per person: their completions, folded into one row (one pass over the table).
    required_now = is_pair(required_pairs)
    completion_columns = [
        ModuleCompletion.user_id.label("user_id"),
        func.count(case((required_now, ModuleCompletion.module_slug), else_=None).distinct()).label(
            "completed"
        ),
        func.count(
            case(
                (
                    ModuleCompletion.module_slug.in_([m.slug for m in required] or [""]),
                    ModuleCompletion.module_slug,
                ),
                else_=None,
            ).distinct()
        ).label("required_ever"),
        func.max(case((required_now, ModuleCompletion.completed_at), else_=None)).label(
            "programme_at"
        ),
    ]
    for index, module in enumerate(modules):
        slug, version = module.slug, module.material_version
        completion_columns.append(
            _flag(
                and_(
                    ModuleCompletion.module_slug == slug,
                    ModuleCompletion.material_version == version,
                )
            ).label(f"done_{index}")
        )
        completion_columns.append(
            _flag(
                and_(
                    ModuleCompletion.module_slug == slug,
                    ModuleCompletion.material_version < version,
                )
            ).label(f"old_{index}")
        )
    completions = select(*completion_columns).group_by(ModuleCompletion.user_id).cte("completions")

    # HR assignments naming people, and by department: the earliest date per module.
    named_columns = [AssignmentTarget.user_id.label("user_id")]
    dept_columns = [Assignment.department.label("department")]
    for index, module in enumerate(modules):
        earliest = func.min(case((Assignment.module_slug == module.slug, Assignment.due_on)))
        named_columns.append(earliest.label(f"named_{index}"))
        dept_columns.append(earliest.label(f"dept_{index}"))
    named = (
        select(*named_columns)
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .group_by(AssignmentTarget.user_id)
        .cte("named")
    )
    by_department = (
        select(*dept_columns)
        .where(Assignment.department.is_not(None), Assignment.department != "")
        .group_by(Assignment.department)
        .cte("by_department")
    )

    signed = (
        select(
            Acknowledgement.user_id.label("user_id"),
            func.max(PolicyVersion.version).label("version"),
            _flag(Acknowledgement.policy_version_id == (current.id if current else -1)).label(
                "current"
            ),
        )
        .join(PolicyVersion, PolicyVersion.id == Acknowledgement.policy_version_id)
        .group_by(Acknowledgement.user_id)
        .cte("signed")
    )

    latest_events = select(func.max(ConsentEvent.id)).group_by(
        ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.medium
    )
    granted = (
        select(
            ConsentEvent.user_id.label("user_id"),
            func.count(ConsentEvent.purpose_id.distinct()).label("purposes"),
        )
        .where(
            ConsentEvent.id.in_(latest_events.scalar_subquery()),
            ConsentEvent.purpose_id.in_(purpose_ids or [-1]),
            ConsentEvent.decision == decisions.GRANTED,
            or_(ConsentEvent.valid_until.is_(None), ConsentEvent.valid_until >= today),
        )
        .group_by(ConsentEvent.user_id)
        .cte("granted")
    )
    # People the audit log names a consent decision of that is gone grant nothing (as in
    # people_status.granted_purposes).
    missing = (
        select(AuditEvent.subject_id.label("user_id"))
        .where(
            AuditEvent.action.in_([a.value for a in decisions.DECISION_ACTIONS.values()]),
            AuditEvent.target_type == "consent_event",
            ~select(ConsentEvent.id)
            .where(ConsentEvent.id == cast(AuditEvent.target_id, Integer))
            .exists(),
        )
        .group_by(AuditEvent.subject_id)
        .cte("missing")
    )
    activity = (
        select(
            AuditEvent.actor_id.label("user_id"),
            func.max(AuditEvent.created_at).label("at"),
        )
        .where(AuditEvent.actor_id.is_not(None))
        .group_by(AuditEvent.actor_id)
        .cte("activity")
    )

    columns: list[Any] = [
        User.id,
        User.full_name,
        User.email,
        User.department,
        User.job_title,
        User.active,
        User.password_hash.is_(None).label("invited"),
        User.start_date,
        User.created_at,
        func.coalesce(completions.c.completed, 0).label("completed"),
        func.coalesce(completions.c.required_ever, 0).label("required_ever"),
        completions.c.programme_at,
        signed.c.version.label("signed_version"),
        func.coalesce(signed.c.current, 0).label("signed_current"),
        case((missing.c.user_id.is_not(None), 0), else_=func.coalesce(granted.c.purposes, 0)).label(
            "granted"
        ),
        # As on the list: what was recorded under someone who never signed in is not activity.
        case((User.last_login_at.is_not(None), activity.c.at), else_=None).label("last_activity"),
    ]
    for index in range(len(modules)):
        columns += [
            func.coalesce(completions.c[f"done_{index}"], 0).label(f"done_{index}"),
            func.coalesce(completions.c[f"old_{index}"], 0).label(f"old_{index}"),
            named.c[f"named_{index}"],
            by_department.c[f"dept_{index}"],
        ]
    query = (
        employee_list.filtered(flt, today)
        .with_only_columns(*columns)
        .outerjoin(completions, completions.c.user_id == User.id)
        .outerjoin(named, named.c.user_id == User.id)
        .outerjoin(by_department, by_department.c.department == User.department)
        .outerjoin(signed, signed.c.user_id == User.id)
        .outerjoin(granted, granted.c.user_id == User.id)
        .outerjoin(missing, missing.c.user_id == User.id)
        .outerjoin(activity, activity.c.user_id == User.id)
        .execution_options(yield_per=STREAM)
    )

    months = settings.get(refresher.REFRESHER_MONTHS)
    result = db.session.execute(query)
    for partition in result.partitions():
        due_refresher: dict[int, tuple[date, date, bool]] = {}
        if months and required:
            finished = [r for r in partition if r.completed >= len(required)]
            if finished:
                due_refresher = refresher.refreshers(
                    [SimpleNamespace(id=r.id) for r in finished],  # type: ignore[misc]
                    {
                        r.id: progress.ProgrammeStatus(r.completed, len(required), r.programme_at)
                        for r in finished
                    },
                    required,
                    today,
                    days,
                )
        for row in partition:
            yield _row(row, modules, required, seen, current, current_number, days, today, soon,
                       due_refresher.get(row.id), len(purposes))  # fmt: skip


def _row(
    row: Any,
    modules: Sequence[Any],
    required: list,
    seen: dict[tuple[str, int], date],
    current: assignments.CurrentPolicy | None,
    current_number: int | None,
    days: timedelta,
    today: date,
    soon: date,
    refresher_item: tuple[date, date, bool] | None,
    purposes: int,
) -> ExportRow:
    """The rules of `assignments.summaries` on one row's aggregates (no query)."""
    start = row.start_date or row.created_at.date()
    finished = row.completed >= len(required) or (
        bool(required) and row.required_ever >= len(required)
    )
    items: list[tuple[date, bool]] = [(start + days, finished)]
    if current is not None:
        items.append((max(start, current.published_at.date()) + days, bool(row.signed_current)))
    for index, module in enumerate(modules):
        candidates = []
        if getattr(row, f"old_{index}"):
            candidates.append(seen[(module.slug, module.material_version)] + days)
        by_department = getattr(row, f"dept_{index}")
        if by_department is not None:
            candidates.append(max(by_department, start + days))
        by_name = getattr(row, f"named_{index}")
        if by_name is not None:
            candidates.append(by_name)
        if candidates:
            items.append((min(candidates), bool(getattr(row, f"done_{index}"))))
    if refresher_item is not None:
        items.append((refresher_item[1], refresher_item[2]))
    pending = [day for day, done in items if not done]
    if current_number is None:
        policy_state = "unpublished"
    elif row.signed_version is None:
        policy_state = "never"
    else:
        policy_state = "current" if row.signed_version == current_number else "outdated"
    return ExportRow(
        full_name=row.full_name,
        email=row.email,
        department=row.department,
        job_title=row.job_title,
        active=bool(row.active),
        invited=bool(row.invited),
        completed=row.completed,
        required=len(required),
        overdue=any(day < today for day in pending),
        due_soon=any(today <= day <= soon for day in pending),
        next_due=min(pending) if pending else None,
        policy_state=policy_state,
        consent_granted=row.granted,
        consent_purposes=purposes,
        last_activity=row.last_activity,
    )
