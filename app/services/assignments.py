"""What each person must do and by when: due dates, overdue and due-soon items.

The required programme is due `assignments.programme_due_days` days after a person's start date;
the current policy version is due the same number of days after the later of the start date and
the version's publication (a new version gives everyone a new deadline). Everything is computed
from the records with an explicit `today`, so no job has to run and tests need no clock tricks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.user import User
from app.services import policy, progress, settings

DUE_SOON_DAYS = 7
PROGRAMME_DUE_DAYS = settings.register(
    settings.SettingSpec(
        "assignments.programme_due_days",
        "int",
        14,
        _l("Days to complete the programme and sign the policy"),
        _l("Assignments"),
        _l("Counted from the start date (or, for a new policy version, from its publication)."),
        minimum=1,
        maximum=365,
    )
)


@dataclass(frozen=True)
class DueItem:
    """One thing a person must do, with its deadline."""

    key: str  # "programme" or "policy"
    due_on: date
    done: bool

    def overdue(self, today: date) -> bool:
        return not self.done and self.due_on < today

    def due_soon(self, today: date) -> bool:
        return not self.done and today <= self.due_on <= today + timedelta(days=DUE_SOON_DAYS)


@dataclass(frozen=True)
class AssignmentSummary:
    """A person's due items seen from `today`."""

    items: tuple[DueItem, ...]
    today: date

    @property
    def overdue(self) -> list[DueItem]:
        return [item for item in self.items if item.overdue(self.today)]

    @property
    def due_soon(self) -> list[DueItem]:
        return [item for item in self.items if item.due_soon(self.today)]

    @property
    def next_due(self) -> date | None:
        pending = [item.due_on for item in self.items if not item.done]
        return min(pending) if pending else None


def _start(user: User) -> date:
    return user.start_date or user.created_at.date()


def summaries(users: list[User], today: date) -> dict[int, AssignmentSummary]:
    """Due items for many people in a bounded number of queries (whatever their number)."""
    days = timedelta(days=settings.get(PROGRAMME_DUE_DAYS))
    programme = progress.programme_status(users)
    current = policy.current_version()
    signed: set[int] = set()
    if current is not None:
        ids = [user.id for user in users]
        for start in range(0, len(ids), 500):
            signed.update(
                db.session.scalars(
                    select(Acknowledgement.user_id).where(
                        Acknowledgement.policy_version_id == current.id,
                        Acknowledgement.user_id.in_(ids[start : start + 500]),
                    )
                )
            )
    result: dict[int, AssignmentSummary] = {}
    for user in users:
        items = [DueItem("programme", _start(user) + days, programme[user.id].done)]
        if current is not None:
            published = current.published_at.date()
            items.append(DueItem("policy", max(_start(user), published) + days, user.id in signed))
        result[user.id] = AssignmentSummary(tuple(items), today)
    return result
