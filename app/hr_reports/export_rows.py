"""The employee CSV export's rows from one streamed statement, for 50,000 people in seconds.

`people_status.statuses` is the authority on where a person stands, and reads a batch of people
in a dozen queries, building Python objects for every completion. For the export of everyone
that was most of the time. Here the same figures come from ONE statement, streamed (a
server-side cursor on PostgreSQL, a plain cursor on SQLite): the filtered, sorted list of
people joined with per-person aggregates computed once each by the database, then each row goes
through the rules of `assignments.summaries` in plain Python, with no further query, except for
the optional refresher (people who completed the programme, when refreshers are on), judged a
batch at a time by `refresher.refreshers` like everywhere else.

What keeps it fast at 50,000 people (issue 24; figures in the README):
- completions are folded into a few bit masks per person (one bit per current module: done at
  the current version, done at an older one, done at all, done before the policy change that
  makes it due again), not one column per module and rule;
- the latest consent decision of each (person, purpose, medium) is granted and valid when the
  highest id of the group equals the highest id of its granted, valid events: one grouped pass,
  no self-join;
- "last activity" is one probe per person into the audit log's (actor, time) index, not a
  grouping of every audit entry, and only for people who ever signed in (as on the list);
- on PostgreSQL the statement runs without JIT compilation, which took longer to compile its
  many expressions than it saved (seconds at 50,000 people).

tests/hr_reports/test_export_rows.py compares this with `people_status.statuses` on generated
organisations with every item kind (HR assignments by name and department, updated modules
completed again, modules due again after a major policy version, refreshers, signatures of
older versions, expired and revoked consent).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select, text, union_all
from sqlalchemy.orm import aliased
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
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.policy import PolicyVersion
from app.models.user import User
from app.policy import retraining, versions

STREAM = 2000  # rows fetched per round trip of the server-side cursor
MASK_BITS = 30  # modules per bit mask: sums stay within a 32-bit integer on both databases
WORK_MEM = "32MB"  # PostgreSQL's memory per sort or grouping, for the export's transaction


class ExportRow(NamedTuple):
    """What one line of the employee CSV says about a person (a tuple: 50,000 are made)."""

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


def _modules_table(modules: Sequence[Any], required: set[str], again: dict[str, datetime]):
    """The current modules as a small table for the completions to join: slug, material
    version, required (0/1), mask group and bit, and the publication of the major policy
    version that makes the module due again (NULL: none)."""
    postgresql = db.session.get_bind().dialect.name == "postgresql"

    def typed(value: Any, type_: Any) -> ColumnElement[Any]:
        # PostgreSQL types the parameters of a UNION by their SQL type, so say it; SQLite has
        # no date type to cast to (CAST AS DATETIME would make a number of the text).
        found = literal(value, type_)
        return cast(found, type_) if postgresql else found

    rows = [
        select(
            typed(module.slug, ModuleCompletion.module_slug.type).label("slug"),
            typed(module.material_version, Integer()).label("version"),
            typed(1 if module.slug in required else 0, Integer()).label("required"),
            typed(index // MASK_BITS, Integer()).label("grp"),
            typed(1 << (index % MASK_BITS), Integer()).label("bit"),
            typed(again.get(module.slug), ModuleCompletion.completed_at.type).label("again_at"),
        )
        for index, module in enumerate(modules)
    ]
    return union_all(*rows).cte("modules")


def _mask(table: Any, group: int, condition: ColumnElement[bool]) -> ColumnElement[int]:
    """The bits of one mask group's modules meeting `condition` at least once: PostgreSQL's
    bit_or, or on SQLite (which has none) a sum of distinct powers of two, the same number.
    (A DISTINCT aggregate would make PostgreSQL sort every completion instead of hashing.)"""
    bit = case((and_(table.c.grp == group, condition), table.c.bit))
    if db.session.get_bind().dialect.name == "postgresql":
        return func.bit_or(bit)
    return func.sum(bit.distinct())


def _join_masks(row: Any, positions: Sequence[int]) -> int:
    """One mask from its groups' columns (at these positions of the row)."""
    found = 0
    for group, position in enumerate(positions):
        found |= (row[position] or 0) << (group * MASK_BITS)
    return found


@dataclass(frozen=True)
class _Rules:
    """What the due rules need, computed once per export (not per person)."""

    today: date
    soon: date
    days: timedelta
    required_mask: int
    required_count: int
    update_due: list[date]  # per module: first seen (current version) + N days
    again_due: list[date | None]  # per module: the major version's publication + N days
    by_department: dict[str, dict[int, date]]  # department → module index → earliest HR date
    policy_published: date | None
    current_number: int | None
    purposes: int
    # Positions in the row of each mask's group columns, and of each named assignment's column.
    done: tuple[int, ...]
    old: tuple[int, ...]
    ever: tuple[int, ...]
    before: tuple[int, ...]  # empty without a module due again after a major policy version
    passed: tuple[int, ...]
    named_at: tuple[tuple[int, int], ...]  # (module index, position)


def rows(flt: employee_list.ListFilter, today: date) -> Iterator[ExportRow]:
    """Everyone matching the filter, in the list's order, with their status (one statement)."""
    days = timedelta(days=settings.get(assignments.PROGRAMME_DUE_DAYS))
    modules = list(catalog.catalog().modules)
    index_of = {m.slug: i for i, m in enumerate(modules)}
    required = [p.module for p in progress.placed_modules() if p.required]
    seen = module_versions.first_seen(today)  # may commit: before the streamed read
    current = assignments.current_policy()
    again = {slug: at for slug, at in retraining.modules_due_again().items() if slug in index_of}
    groups = max(1, -(-len(modules) // MASK_BITS))
    table = _modules_table(modules, {m.slug for m in required}, again)

    # Per person: their completions of current modules as bit masks (one pass over the table).
    at_current = ModuleCompletion.material_version == table.c.version
    completion_columns: list[Any] = [
        ModuleCompletion.user_id.label("user_id"),
        func.max(
            case((and_(table.c.required == 1, at_current), ModuleCompletion.completed_at))
        ).label("programme_at"),
    ]
    for group in range(groups):
        completion_columns += [
            _mask(table, group, at_current).label(f"done_{group}"),
            _mask(table, group, ModuleCompletion.material_version < table.c.version).label(
                f"old_{group}"
            ),
            _mask(table, group, ModuleCompletion.material_version.is_not(None)).label(
                f"ever_{group}"
            ),
        ]
        if again:
            completion_columns.append(
                _mask(table, group, ModuleCompletion.completed_at < table.c.again_at).label(
                    f"before_{group}"
                )
            )
    completions = (
        select(*completion_columns)
        .join(table, table.c.slug == ModuleCompletion.module_slug)
        .group_by(ModuleCompletion.user_id)
        .cte("completions")
    )

    # Modules due again after a major policy version: done once their current quiz is passed
    # again since its publication (as `due._passed_again`).
    passed_again = None
    if again:
        passed_columns = [QuizAttempt.user_id.label("user_id")]
        for group in range(groups):
            passed_columns.append(
                _mask(
                    table,
                    group,
                    and_(
                        QuizAttempt.material_version == table.c.version,
                        QuizAttempt.submitted_at >= table.c.again_at,
                    ),
                ).label(f"passed_{group}")
            )
        passed_again = (
            select(*passed_columns)
            .join(table, table.c.slug == QuizAttempt.module_slug)
            .where(QuizAttempt.passed.is_(True), table.c.again_at.is_not(None))
            .group_by(QuizAttempt.user_id)
            .cte("passed_again")
        )

    # HR assignments naming people: the earliest date per assigned module (departments below).
    assignments_rows = db.session.execute(
        select(Assignment.module_slug, Assignment.department, Assignment.due_on)
    ).all()
    by_department: dict[str, dict[int, date]] = {}
    for slug, department, due_on in assignments_rows:
        if department and slug in index_of:
            days_of = by_department.setdefault(department, {})
            index = index_of[slug]
            days_of[index] = min(due_on, days_of.get(index, due_on))
    named_modules = sorted(
        {index_of[slug] for slug, _d, _u in assignments_rows if slug in index_of}
    )
    named = None
    if named_modules:
        named_columns = [AssignmentTarget.user_id.label("user_id")]
        for index in named_modules:
            named_columns.append(
                func.min(case((Assignment.module_slug == modules[index].slug, Assignment.due_on)))
                .label(f"named_{index}")
            )  # fmt: skip
        named = (
            select(*named_columns)
            .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
            .group_by(AssignmentTarget.user_id)
            .cte("named")
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

    # The latest event of a (person, purpose, medium) grants today when it is also the latest
    # of the group's granted events still valid today.
    purposes = people_status.active_purposes()
    valid_grant = and_(
        ConsentEvent.decision == decisions.GRANTED,
        or_(ConsentEvent.valid_until.is_(None), ConsentEvent.valid_until >= today),
    )
    latest = (
        select(
            ConsentEvent.user_id.label("user_id"),
            ConsentEvent.purpose_id.label("purpose_id"),
            func.max(ConsentEvent.id).label("latest"),
            func.max(case((valid_grant, ConsentEvent.id))).label("latest_grant"),
        )
        .where(ConsentEvent.purpose_id.in_([p.id for p in purposes] or [-1]))
        .group_by(ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.medium)
        .subquery("latest")
    )
    granted = (
        select(
            latest.c.user_id.label("user_id"),
            func.count(latest.c.purpose_id.distinct()).label("purposes"),
        )
        .where(latest.c.latest == latest.c.latest_grant)
        .group_by(latest.c.user_id)
        .cte("granted")
    )
    # People the audit log names a consent decision of that is gone grant nothing (as in
    # people_status.granted_purposes).
    # (The events named by the audit log and gone are found from the log's (target type,
    # target id) index alone; only those few entries are then read for their action and person.)
    named_by_log = aliased(AuditEvent)
    gone = select(named_by_log.target_id).where(
        named_by_log.target_type == "consent_event",
        ~select(ConsentEvent.id)
        .where(ConsentEvent.id == cast(named_by_log.target_id, Integer))
        .exists(),
    )
    missing = (
        select(AuditEvent.subject_id.label("user_id"))
        .where(
            AuditEvent.target_type == "consent_event",
            AuditEvent.target_id.in_(gone),
            AuditEvent.action.in_([a.value for a in decisions.DECISION_ACTIONS.values()]),
        )
        .group_by(AuditEvent.subject_id)
        .cte("missing")
    )
    # As on the list: what was recorded under someone who never signed in is not activity.
    last_activity = (
        select(func.max(AuditEvent.created_at))
        .where(AuditEvent.actor_id == User.id)
        .correlate(User)
        .scalar_subquery()
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
        completions.c.programme_at,
        signed.c.version.label("signed_version"),
        func.coalesce(signed.c.current, 0).label("signed_current"),
        case((missing.c.user_id.is_not(None), 0), else_=func.coalesce(granted.c.purposes, 0)).label(
            "granted"
        ),
        case((User.last_login_at.is_not(None), last_activity), else_=None).label("last_activity"),
    ]
    for group in range(groups):
        columns += [completions.c[f"{kind}_{group}"] for kind in ("done", "old", "ever")]
        if again:
            columns.append(completions.c[f"before_{group}"])
            assert passed_again is not None
            columns.append(passed_again.c[f"passed_{group}"])
    if named is not None:
        columns += [named.c[f"named_{index}"] for index in named_modules]
    query = (
        employee_list.filtered(flt, today)
        .with_only_columns(*columns)
        .outerjoin(completions, completions.c.user_id == User.id)
        .outerjoin(signed, signed.c.user_id == User.id)
        .outerjoin(granted, granted.c.user_id == User.id)
        .outerjoin(missing, missing.c.user_id == User.id)
    )
    if passed_again is not None:
        query = query.outerjoin(passed_again, passed_again.c.user_id == User.id)
    if named is not None:
        query = query.outerjoin(named, named.c.user_id == User.id)

    required_mask = 0
    for module in required:
        required_mask |= 1 << index_of[module.slug]
    position = {name: i for i, name in enumerate(query.selected_columns.keys())}

    def positions(kind: str) -> tuple[int, ...]:
        return tuple(position[f"{kind}_{group}"] for group in range(groups) if again or
                     kind not in ("before", "passed"))  # fmt: skip

    rules = _Rules(
        today=today,
        soon=today + timedelta(days=assignments.DUE_SOON_DAYS),
        days=days,
        required_mask=required_mask,
        required_count=len(required),
        update_due=[seen[(m.slug, m.material_version)] + days for m in modules],
        again_due=[again[m.slug].date() + days if m.slug in again else None for m in modules],
        by_department=by_department,
        policy_published=current.published_at.date() if current else None,
        current_number=versions.current_version_number(),
        purposes=len(purposes),
        done=positions("done"),
        old=positions("old"),
        ever=positions("ever"),
        before=positions("before"),
        passed=positions("passed"),
        named_at=tuple((index, position[f"named_{index}"]) for index in named_modules),
    )
    months = settings.get(refresher.REFRESHER_MONTHS)
    if db.session.get_bind().dialect.name == "postgresql":
        # For this transaction only: JIT compiling the statement's many expressions cost more
        # than it saved (seconds at 50,000 people), and the groupings of completions and
        # consent decisions, and the final sort, fit in memory instead of spilling to disk.
        db.session.execute(text("SET LOCAL jit = off"))
        db.session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
    result = db.session.execute(query.execution_options(yield_per=STREAM))
    for partition in result.partitions():
        due_refresher: dict[int, tuple[date, date, bool]] = {}
        if months and required:
            finished = [
                (r, completed)
                for r in partition
                if (completed := _count(_join_masks(r, rules.done) & required_mask))
                >= len(required)
            ]
            if finished:
                due_refresher = refresher.refreshers(
                    [SimpleNamespace(id=r.id) for r, _c in finished],  # type: ignore[misc]
                    {
                        r.id: progress.ProgrammeStatus(completed, len(required), r.programme_at)
                        for r, completed in finished
                    },
                    required,
                    today,
                    days,
                )
        for row in partition:
            yield _row(row, rules, due_refresher.get(row.id) if due_refresher else None)


def _count(mask: int) -> int:
    return bin(mask).count("1")


def _bits(mask: int) -> Iterator[int]:
    """The indexes of the bits set in `mask`, lowest first."""
    while mask:
        bit = mask & -mask
        mask ^= bit
        yield bit.bit_length() - 1


def _row(row: Any, rules: _Rules, refresher_item: tuple[date, date, bool] | None) -> ExportRow:
    """The rules of `assignments.summaries` on one row's aggregates (no query)."""
    start = row.start_date or row.created_at.date()
    base = start + rules.days
    done = _join_masks(row, rules.done)
    completed = _count(done & rules.required_mask)
    required = rules.required_count
    # Once completed, the programme stays done: an updated module is its own item below.
    finished = completed >= required or (
        bool(required) and _count(_join_masks(row, rules.ever) & rules.required_mask) >= required
    )
    pending: list[date] = [] if finished else [base]
    if rules.policy_published is not None and not row.signed_current:
        pending.append(max(start, rules.policy_published) + rules.days)
    # Modules: updated since completed, assigned by department or by name, or completed before
    # the major policy version that makes them due again (and not passed again since).
    old = _join_masks(row, rules.old)
    stale = _join_masks(row, rules.before) & ~_join_masks(row, rules.passed) if rules.before else 0
    department = rules.by_department.get(row.department or "")
    named = [(index, row[at]) for index, at in rules.named_at if row[at] is not None]
    if old or stale or department or named:
        candidates: dict[int, list[date]] = {}
        for index in _bits(old):
            candidates.setdefault(index, []).append(rules.update_due[index])
        for index, day in (department or {}).items():
            candidates.setdefault(index, []).append(max(day, base))
        for index, day in named:
            candidates.setdefault(index, []).append(day)
        for index in _bits(stale):
            candidates.setdefault(index, []).append(rules.again_due[index])  # type: ignore[arg-type]
        for index, days in candidates.items():
            if not (done >> index) & 1 or (stale >> index) & 1:
                pending.append(min(days))
    if refresher_item is not None and not refresher_item[2]:
        pending.append(refresher_item[1])
    if rules.current_number is None:
        policy_state = "unpublished"
    elif row.signed_version is None:
        policy_state = "never"
    else:
        policy_state = "current" if row.signed_version == rules.current_number else "outdated"
    today = rules.today
    next_due = min(pending) if pending else None
    return ExportRow(
        row.full_name,
        row.email,
        row.department,
        row.job_title,
        bool(row.active),
        bool(row.invited),
        completed,
        required,
        next_due is not None and next_due < today,
        any(today <= day <= rules.soon for day in pending),
        next_due,
        policy_state,
        row.granted,
        rules.purposes,
        row.last_activity,
    )
