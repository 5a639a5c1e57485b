"""The HR dashboard's figures: completion, signatures, consent coverage, deadlines, expiries.

Every figure is a grouped SQL count (a fixed number of statements whatever the number of
people): completion and deadlines through `due_filters`, the SQL form of the due-date rules.
Only people whose refresher may have opened are looked at in Python, 1,000 at a time.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, func, not_, select, true

from app.assignments import due as assignments
from app.assignments import due_sql
from app.consent import decisions
from app.core.batches import batches
from app.extensions import db
from app.hr_reports import people_status
from app.models.acknowledgement import Acknowledgement
from app.models.consent import ConsentEvent
from app.models.types import utcnow
from app.models.user import User
from app.policy import versions

EXPIRING_DAYS = 30
STATE_ORDER = (
    decisions.GRANTED,
    decisions.REFUSED,
    decisions.REVOKED,
    decisions.EXPIRED,
    decisions.NEVER,
)


@dataclass(frozen=True)
class DepartmentFigures:
    """Programme completion in one department."""

    name: str
    people: int
    completed: int

    @property
    def rate(self) -> int:
        return round(100 * self.completed / self.people) if self.people else 0


@dataclass(frozen=True)
class ConsentCoverage:
    """How the active people stand for one purpose and medium."""

    purpose_id: int
    medium: str
    counts: dict[str, int]

    @property
    def granted_rate(self) -> int:
        total = sum(self.counts.values())
        return round(100 * self.counts.get(decisions.GRANTED, 0) / total) if total else 0


@dataclass
class Dashboard:
    """Everything the dashboard shows."""

    people: int = 0
    programme_done: int = 0
    overdue: int = 0
    due_soon: int = 0
    expiring: int = 0
    policy_version: int | None = None
    policy_version_label: str | None = None  # "3" or "3.1"
    signed_current: int = 0
    departments: list[DepartmentFigures] = field(default_factory=list)
    signatures: list[tuple[date, int, int]] = field(default_factory=list)  # week, new, total
    consent: list[ConsentCoverage] = field(default_factory=list)
    computed_at: datetime | None = None

    @property
    def completion_rate(self) -> int:
        return round(100 * self.programme_done / self.people) if self.people else 0

    @property
    def signed_rate(self) -> int:
        return round(100 * self.signed_current / self.people) if self.people else 0


def _deadlines(result: Dashboard, today: date) -> None:
    conds = due_sql.conditions(today)
    by_sql = not_(conds.refresher) if conds.refresher is not None else true()

    def counted(condition) -> ColumnElement[int]:
        return func.count(case((condition, 1)))

    rows = db.session.execute(
        select(
            User.department,
            func.count(),
            counted(conds.programme_finished),
            counted(and_(by_sql, conds.overdue)),
            counted(and_(by_sql, conds.due_soon)),
        )
        .where(User.active.is_(True))
        .group_by(User.department)
    ).all()
    departments: Counter[str] = Counter()
    finished: Counter[str] = Counter()
    for department, people, done, overdue, due_soon in rows:
        name = department or "—"
        departments[name] += people
        finished[name] += done
        result.people += people
        result.programme_done += done
        result.overdue += overdue
        result.due_soon += due_soon
    if conds.refresher is not None:
        query = select(User).where(User.active.is_(True), conds.refresher).order_by(User.id)
        for batch in batches(query):
            due = assignments.summaries(batch, today)
            result.overdue += sum(bool(due[u.id].overdue) for u in batch)
            result.due_soon += sum(bool(due[u.id].due_soon) for u in batch)
    result.departments = [
        DepartmentFigures(name, departments[name], finished[name]) for name in sorted(departments)
    ]


def _signatures(result: Dashboard) -> None:
    current = versions.current_version()
    if current is None:
        return
    result.policy_version = current.version
    result.policy_version_label = versions.label(current)
    # Signatures per UTC day, grouped in SQL (a few hundred rows, not one per person).
    signed_at = Acknowledgement.signed_at
    if db.engine.dialect.name == "postgresql":
        signed_at = func.timezone("UTC", signed_at)  # SQLite already stores UTC
    day = func.date(signed_at)
    rows = db.session.execute(
        select(day, func.count())
        .join(User, User.id == Acknowledgement.user_id)
        .where(Acknowledgement.policy_version_id == current.id, User.active.is_(True))
        .group_by(day)
    )
    weeks: Counter[date] = Counter()
    for value, count in rows:
        signed = value if isinstance(value, date) else date.fromisoformat(value)
        weeks[signed - timedelta(days=signed.weekday())] += count
    running = 0
    for week in sorted(weeks):
        running += weeks[week]
        result.signatures.append((week, weeks[week], running))
    result.signed_current = running


def _consent(result: Dashboard, purposes: list, today: date) -> None:
    """Coverage per purpose and medium, and consents expiring soon: one grouped query over each
    person's latest decision."""
    latest = (
        select(func.max(ConsentEvent.id).label("id"))
        .group_by(ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.medium)
        .subquery()
    )
    granted = ConsentEvent.decision == decisions.GRANTED
    state = case(
        (and_(granted, ConsentEvent.valid_until < today), decisions.EXPIRED),
        else_=ConsentEvent.decision,
    ).label("state")
    expiring = case(
        (
            and_(
                granted,
                ConsentEvent.valid_until >= today,
                ConsentEvent.valid_until <= today + timedelta(days=EXPIRING_DAYS),
            ),
            1,
        ),
        else_=0,
    ).label("expiring")
    rows = db.session.execute(
        select(ConsentEvent.purpose_id, ConsentEvent.medium, state, expiring, func.count())
        .select_from(latest)
        .join(ConsentEvent, ConsentEvent.id == latest.c.id)
        .join(User, User.id == ConsentEvent.user_id)
        .where(User.active.is_(True))
        .group_by(ConsentEvent.purpose_id, ConsentEvent.medium, state, expiring)
    ).all()
    counts: dict[tuple[int, str], Counter[str]] = defaultdict(Counter)
    for purpose_id, medium, name, soon, n in rows:
        counts[(purpose_id, medium)][name] += n
        result.expiring += n if soon else 0
    for purpose in purposes:
        for medium in purpose.media_list:
            found = counts[(purpose.id, medium)]
            found[decisions.NEVER] = max(0, result.people - sum(found.values()))
            ordered = {s: found.get(s, 0) for s in STATE_ORDER}
            result.consent.append(ConsentCoverage(purpose.id, medium, ordered))


def dashboard(today: date) -> Dashboard:
    """Compute the dashboard for `today`."""
    result = Dashboard(computed_at=utcnow())
    _deadlines(result, today)
    _signatures(result)
    _consent(result, people_status.active_purposes(), today)
    return result
