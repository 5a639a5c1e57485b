"""The daily notices no single event announces (the `notices` job of `flask worker`).

Each notice has a key naming the item and its state, so running the job again, the same day or
on another host, adds nothing: a person hears once that a module is due soon and once that it
is overdue; HR hears the overdue count once a day; a consent ending soon is announced once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.extensions import db
from app.models.consent import ConsentEvent
from app.models.user import Role, User
from app.notifications.service import Notice, add, people_with_role


@dataclass(frozen=True)
class Report:
    due: int
    overdue_people: int
    consents: int

    def summary(self) -> str:
        return (
            f"due notices: {self.due}, people overdue: {self.overdue_people}, "
            f"consents ending soon: {self.consents}"
        )


def _due(today: date) -> tuple[list[Notice], int]:
    from app.assignments import due_labels, reminders

    notices = []
    overdue_people = 0
    for candidate in reminders.candidates(today):
        overdue_people += 1 if candidate.overdue else 0
        for item in candidate.items:
            state = "overdue" if item.overdue(today) else "soon"
            endpoint, args = due_labels.target(item.key)
            notices.append(
                Notice(
                    candidate.user.id,
                    "due",
                    f"due:{item.key}:{item.due_on.isoformat()}:{state}",
                    {
                        "item": item.key,
                        "due_on": item.due_on.isoformat(),
                        "overdue": state == "overdue",
                    },
                    endpoint,
                    args,
                )
            )
    return notices, overdue_people


def _consents(today: date) -> list[Notice]:
    from app.consent import expiry

    days = expiry.renewal_days()  # the admin setting; 0: no renewal requests at all
    if not days:
        return []
    latest = (
        select(func.max(ConsentEvent.id))
        .group_by(ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.medium)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(
            ConsentEvent.id, ConsentEvent.user_id, ConsentEvent.purpose_id, ConsentEvent.valid_until
        )
        .join(User, User.id == ConsentEvent.user_id)
        .where(
            ConsentEvent.id.in_(latest),
            ConsentEvent.decision == "granted",
            ConsentEvent.valid_until.is_not(None),
            ConsentEvent.valid_until >= today,
            ConsentEvent.valid_until <= today + timedelta(days=days),
            User.active.is_(True),
        )
    )
    # One notice per person and purpose, even when photo and video end the same day.
    seen: dict[tuple[int, int, date], int] = {}
    for event_id, user_id, purpose_id, until in rows:
        if until is not None:  # the query keeps only dated grants
            seen.setdefault((user_id, purpose_id, until), event_id)
    return [
        Notice(
            user_id,
            "consent_expiry",
            f"consent-expiry:{purpose_id}:{until.isoformat()}",
            {"purpose": purpose_id, "until": until.isoformat()},
            "consent.my_image",
        )
        for (user_id, purpose_id, until) in seen
    ]


def run(today: date) -> Report:
    """Write today's notices (idempotent) and commit."""
    due, overdue_people = _due(today)
    add(due)
    if overdue_people:
        add(
            Notice(
                user_id,
                "hr_overdue",
                f"hr-overdue:{today.isoformat()}",
                {"count": overdue_people},
                "reminders.index",
                {"overdue": "1"},
            )
            for user_id in people_with_role(Role.HR)
        )
    consents = _consents(today)
    add(consents)
    db.session.commit()
    return Report(len(due), overdue_people, len(consents))
