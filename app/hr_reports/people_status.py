"""Where each person stands, for HR: programme, due items, policy, consent and last activity.

Every function takes many people at once and reads them in a fixed number of queries (IN lists
of at most one batch), so a page of 50 and an export batch of 1,000 cost the same statements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from app.assignments import due as assignments
from app.consent import decisions
from app.core.batches import BATCH
from app.extensions import db
from app.learn import progress
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent, ConsentPurpose
from app.models.policy import PolicyVersion
from app.models.user import User
from app.policy import versions


@dataclass(frozen=True)
class PersonStatus:
    """One person's standing, ready for a row of the employee list or of the CSV export."""

    user: User
    programme: progress.ProgrammeStatus
    due: assignments.AssignmentSummary
    policy_state: str  # current, outdated, never, unpublished
    consent_granted: int  # purposes with at least one medium granted today
    consent_purposes: int  # active purposes
    last_activity: datetime | None

    @property
    def overdue(self) -> bool:
        return bool(self.due.overdue)

    @property
    def due_soon(self) -> bool:
        return bool(self.due.due_soon)


def policy_states(user_ids: list[int]) -> dict[int, str]:
    """current / outdated / never per user id (one query), or unpublished when no version is."""
    current = versions.current_version_number()
    if current is None:
        return {uid: "unpublished" for uid in user_ids}
    latest = dict(
        db.session.execute(
            select(Acknowledgement.user_id, func.max(PolicyVersion.version))
            .join(PolicyVersion, PolicyVersion.id == Acknowledgement.policy_version_id)
            .where(Acknowledgement.user_id.in_(user_ids))
            .group_by(Acknowledgement.user_id)
        ).all()
    )
    states = {}
    for uid in user_ids:
        version = latest.get(uid)
        states[uid] = (
            "never" if version is None else "current" if version == current else "outdated"
        )
    return states


def last_activity(user_ids: list[int]) -> dict[int, datetime]:
    """The time of each person's latest audited action (one grouped query).

    Only people who have signed in at least once have any: what was recorded under the name of
    someone who never did (an import, a demo) is not their activity."""
    return dict(
        db.session.execute(
            select(AuditEvent.actor_id, func.max(AuditEvent.created_at))
            .join(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.actor_id.in_(user_ids), User.last_login_at.is_not(None))
            .group_by(AuditEvent.actor_id)
        ).all()
    )


def active_purposes() -> list[ConsentPurpose]:
    """The consent purposes still asked about, in their order (one query)."""
    return list(
        db.session.scalars(
            select(ConsentPurpose)
            .where(ConsentPurpose.active.is_(True))
            .order_by(ConsentPurpose.order, ConsentPurpose.id)
        )
    )


def granted_purposes(
    user_ids: list[int], purposes: list[ConsentPurpose], today: date
) -> dict[int, int]:
    """How many active purposes each person currently grants for at least one medium."""
    wanted = {p.id for p in purposes}
    granted: dict[int, set[int]] = defaultdict(set)
    # Plain columns of the latest events (not ORM objects: an export reads tens of thousands).
    latest = decisions.latest_events_query(user_ids).with_only_columns(
        ConsentEvent.user_id,
        ConsentEvent.purpose_id,
        ConsentEvent.decision,
        ConsentEvent.valid_until,
    )
    # A person whose decision was deleted behind the application's back grants nothing here.
    missing = decisions.people_missing_decisions(user_ids)
    for event in db.session.execute(latest):
        if event.user_id in missing:
            continue
        if event.purpose_id in wanted and decisions.state_of(event, today).allowed:
            granted[event.user_id].add(event.purpose_id)
    return {uid: len(granted.get(uid, ())) for uid in user_ids}


def statuses(
    users: Iterable[User], today: date, purposes: list[ConsentPurpose] | None = None
) -> list[PersonStatus]:
    """Status of each person, in the order given (a fixed number of queries per 1,000 people)."""
    people = list(users)
    if not people:
        return []
    purposes = active_purposes() if purposes is None else purposes
    result: list[PersonStatus] = []
    for start in range(0, len(people), BATCH):
        chunk = people[start : start + BATCH]
        ids = [u.id for u in chunk]
        completions = progress.completions_by_user(ids)  # read once for both
        programme = progress.programme_status(chunk, completions)
        due = assignments.summaries(chunk, today, programme, completions)
        states = policy_states(ids)
        granted = granted_purposes(ids, purposes, today)
        activity = last_activity(ids)
        result.extend(
            PersonStatus(
                user=u,
                programme=programme[u.id],
                due=due[u.id],
                policy_state=states[u.id],
                consent_granted=granted[u.id],
                consent_purposes=len(purposes),
                last_activity=activity.get(u.id),
            )
            for u in chunk
        )
    return result
