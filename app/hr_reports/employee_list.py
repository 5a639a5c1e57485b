"""The HR employee list: search, filters, sorting and pagination over everyone's status.

Every filter (account, department, due dates, policy, consent) and every sort (name, department,
progress, last activity) is SQL, so a page costs the same statements for 50 or 50,000 people.
The due-date filter uses `due_filters`, the SQL form of `assignments.summaries`; only people
whose refresher may have opened are looked at in Python (see that module).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, and_, exists, func, literal, or_, select

from app.assignments import due_sql
from app.consent import decisions
from app.core import paging
from app.core.batches import batches
from app.hr_reports import people_status
from app.learn import module_versions, progress
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent, ConsentPurpose
from app.models.learning import ModuleCompletion
from app.models.policy import PolicyVersion
from app.models.user import User
from app.policy import versions

PER_PAGE = 50
# Stand-ins for "never active" in the activity sort, typed like the audit timestamps.
NEVER_ACTIVE_DESC = literal(datetime(1970, 1, 1, tzinfo=UTC), AuditEvent.created_at.type)
NEVER_ACTIVE_ASC = literal(datetime(9999, 1, 1, tzinfo=UTC), AuditEvent.created_at.type)
SORTS = ("name", "department", "progress", "activity")
DUE_FILTERS = (due_sql.OVERDUE, due_sql.DUE_SOON)
POLICY_FILTERS = ("current", "outdated", "never")
ACCOUNT_FILTERS = ("active", "pending", "inactive")


def sort_labels() -> dict[str, str]:
    """The sorts offered, in the reader's language."""
    return {
        "name": _("Name"),
        "department": _("Department"),
        "progress": _("Programme progress"),
        "activity": _("Last activity"),
    }


# Columns HR may hide (name, programme and actions always show): narrower tables on a laptop.
OPTIONAL_COLUMNS = ("department", "deadlines", "policy", "consent", "activity")


def column_labels() -> dict[str, str]:
    """The columns HR may show or hide, in the reader's language."""
    return {
        "department": _("Department"),
        "deadlines": _("Deadlines"),
        "policy": _("Policy"),
        "consent": _("Image consent"),
        "activity": _("Last activity"),
    }


@dataclass(frozen=True)
class ListFilter:
    """What HR chose in the list's search, filter and sort fields."""

    q: str = ""
    department: str = ""
    status: str = ""  # "", active, pending (no password yet), inactive
    due: str = ""  # "", overdue, due_soon
    policy: str = ""  # "", current, outdated, never
    purpose_id: int | None = None
    consent: str = ""  # one of consent.STATES, for purpose_id
    sort: str = "name"
    desc: bool = False
    at: str | None = None  # keyset bookmark of the page (app.core.paging.window)
    start: int = 1  # number of the page's first row, for display
    hidden: tuple[str, ...] = ()  # OPTIONAL_COLUMNS not shown

    def shows(self, column: str) -> bool:
        """Whether the list shows this optional column."""
        return column not in self.hidden

    def args(self) -> dict[str, str | list[str]]:
        """The filter as query-string arguments (for links to other pages and to the export)."""
        values = {
            "q": self.q,
            "department": self.department,
            "status": self.status,
            "due": self.due,
            "policy": self.policy,
            "purpose": str(self.purpose_id or ""),
            "consent": self.consent,
            "sort": self.sort if self.sort != "name" else "",
            "desc": "1" if self.desc else "",
        }
        kept: dict[str, str | list[str]] = {k: v for k, v in values.items() if v}
        if self.hidden:  # the chooser's answer: which optional columns are shown
            kept["columns"] = "1"
            kept["show"] = [c for c in OPTIONAL_COLUMNS if c not in self.hidden]
        return kept


def parse(args) -> ListFilter:
    """Read a ListFilter from request arguments, dropping anything unknown."""

    def pick(name: str, allowed: tuple[str, ...]) -> str:
        value = args.get(name, "")
        return value if value in allowed else ""

    at, start = paging.window_args(args)
    purpose = args.get("purpose", "")
    return ListFilter(
        q=args.get("q", "")[:100].strip(),
        department=args.get("department", "")[:120],
        status=pick("status", ACCOUNT_FILTERS),
        due=pick("due", DUE_FILTERS),
        policy=pick("policy", POLICY_FILTERS),
        purpose_id=int(purpose) if purpose.isdigit() else None,
        consent=pick("consent", decisions.STATES),
        sort=pick("sort", SORTS) or "name",
        desc=args.get("desc") == "1",
        at=at,
        start=start,
        hidden=_hidden_columns(args),
    )


def _hidden_columns(args) -> tuple[str, ...]:
    """The optional columns left unticked in the chooser (none when it was not submitted:
    unticked boxes send nothing, so "columns=1" says that the chooser's answer is there)."""
    if args.get("columns") != "1":
        return ()
    shown = set(args.getlist("show"))
    return tuple(c for c in OPTIONAL_COLUMNS if c not in shown)


@dataclass(frozen=True)
class ListPage:
    """One page of the list: statuses of the people in `window` (which carries the navigation)."""

    items: list[people_status.PersonStatus]
    total: int
    per_page: int
    window: paging.Window


def _latest_signed() -> Select:
    return (
        select(
            Acknowledgement.user_id.label("user_id"),
            func.max(PolicyVersion.version).label("version"),
        )
        .join(PolicyVersion, PolicyVersion.id == Acknowledgement.policy_version_id)
        .group_by(Acknowledgement.user_id)
    )


def _consent_condition(purpose_id: int | None, state: str, today: date):
    """People in this consent state for the purpose, or for at least one purpose when none is
    chosen ("never asked" then means: not asked about at least one purpose in use)."""
    if purpose_id is None:
        if state == decisions.NEVER:
            asked = exists().where(
                ConsentEvent.user_id == User.id, ConsentEvent.purpose_id == ConsentPurpose.id
            )
            return exists(select(ConsentPurpose.id).where(ConsentPurpose.active.is_(True), ~asked))
        mine = ConsentEvent.user_id == User.id
    else:
        mine = and_(ConsentEvent.user_id == User.id, ConsentEvent.purpose_id == purpose_id)
    if state == decisions.NEVER:
        return ~exists().where(mine)
    latest = ConsentEvent.id.in_(
        select(func.max(ConsentEvent.id))
        .group_by(ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.medium)
        .scalar_subquery()
    )
    if state == decisions.GRANTED:
        decided = and_(
            ConsentEvent.decision == decisions.GRANTED,
            or_(ConsentEvent.valid_until.is_(None), ConsentEvent.valid_until >= today),
        )
    elif state == decisions.EXPIRED:
        decided = and_(ConsentEvent.decision == decisions.GRANTED, ConsentEvent.valid_until < today)
    else:
        decided = ConsentEvent.decision == state
    return exists().where(mine, latest, decided)


def _progress_count():
    """Per user: required modules completed at their current material version."""
    required = [p.module for p in progress.placed_modules() if p.required]
    current = or_(
        *[
            and_(
                ModuleCompletion.module_slug == m.slug,
                ModuleCompletion.material_version == m.material_version,
            )
            for m in required
        ],
        False,
    )
    return (
        select(
            ModuleCompletion.user_id.label("user_id"),
            func.count(ModuleCompletion.module_slug.distinct()).label("done"),
        )
        .where(current)
        .group_by(ModuleCompletion.user_id)
        .subquery()
    )


def filtered(flt: ListFilter, today: date) -> Select:
    """Everyone matching the SQL filters, in the chosen order (users only)."""
    query = select(User)
    if flt.q:
        like = f"%{flt.q.lower()}%"
        query = query.where(
            or_(func.lower(User.full_name).like(like), func.lower(User.email).like(like))
        )
    if flt.department:
        query = query.where(User.department == flt.department)
    if flt.status == "active":
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    elif flt.status == "inactive":
        query = query.where(User.active.is_(False))
    elif flt.status == "pending":
        query = query.where(User.active.is_(True), User.password_hash.is_(None))
    if flt.policy:
        current = versions.current_version_number()
        latest = _latest_signed().subquery()
        query = query.outerjoin(latest, latest.c.user_id == User.id)
        if flt.policy == "never":
            query = query.where(latest.c.version.is_(None))
        elif current is None:
            query = query.where(False)
        elif flt.policy == "current":
            query = query.where(latest.c.version == current)
        else:
            query = query.where(latest.c.version < current)
    if flt.consent:
        query = query.where(_consent_condition(flt.purpose_id, flt.consent, today))
    if flt.due:
        scope = query.with_only_columns(User.id) if query.whereclause is not None else None
        conds = due_sql.conditions(today, scope)
        found = due_sql.python_matches(conds, flt.due, query, today)
        query = query.where(due_sql.matching(conds, flt.due, found))
    return _ordered(query, flt)


def _ordered(query: Select, flt: ListFilter) -> Select:
    def direction(column):
        return column.desc() if flt.desc else column.asc()

    if flt.sort == "department":
        return query.order_by(direction(User.department), User.full_name, User.id)
    if flt.sort == "progress":
        done = _progress_count()
        query = query.outerjoin(done, done.c.user_id == User.id)
        return query.order_by(direction(func.coalesce(done.c.done, 0)), User.full_name, User.id)
    if flt.sort == "activity":
        # Per listed person, not grouped over the whole audit log: an index probe each
        # (actor_id, created_at), so a department of 500 costs 500 probes, not 50,000 groups.
        last = (
            select(func.max(AuditEvent.created_at))
            .where(AuditEvent.actor_id == User.id, User.last_login_at.is_not(None))
            .correlate(User)
            .scalar_subquery()
        )
        # Never-active people last whichever the direction, without NULLS LAST (keyset paging
        # cannot seek past NULLs): they sort as the far past descending, the far future ascending.
        never = NEVER_ACTIVE_DESC if flt.desc else NEVER_ACTIVE_ASC
        return query.order_by(direction(func.coalesce(last, never)), direction(User.id))
    return query.order_by(direction(User.full_name), User.id)


def list_page(flt: ListFilter, today: date, per_page: int | None = None) -> ListPage:
    """One page of people with their status, found by keyset (deep pages cost what page 1 does)."""
    per_page = per_page or PER_PAGE
    query = filtered(flt, today)
    found = paging.window(
        query, at=flt.at, start=flt.start, per_page=per_page, total=paging.count_of(query)
    )
    return ListPage(
        items=people_status.statuses(found.items, today),
        total=found.total,
        per_page=per_page,
        window=found,
    )


def export_statuses(flt: ListFilter, today: date) -> Iterator[people_status.PersonStatus]:
    """Everyone matching the filter with their status, streamed 1,000 at a time (for CSV)."""
    flt = replace(flt, at=None, start=1)
    purposes = people_status.active_purposes()
    # Due dates may record a module version's first-seen day (a commit); do it before the
    # streamed read, whose server-side cursor a commit would close on PostgreSQL.
    module_versions.first_seen(today)
    for batch in batches(filtered(flt, today)):
        yield from people_status.statuses(batch, today, purposes)
