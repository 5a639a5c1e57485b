"""What the API tells about employees: one person's standing, and who is overdue (as plain data)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from app.assignments import due as assignments
from app.consent import decisions, texts
from app.extensions import db
from app.learn import progress
from app.models.user import Role, User
from app.policy import status, versions


def iso(moment: datetime | date | None) -> str | None:
    """ISO 8601, with Z for UTC timestamps; None stays None."""
    if moment is None:
        return None
    text = moment.isoformat()
    return text.replace("+00:00", "Z") if isinstance(moment, datetime) else text


def employee_json(user: User) -> dict[str, Any]:
    """The employee record as the API shows it."""
    return {
        "id": user.id,
        "email": user.email,
        "external_id": user.external_id,
        "full_name": user.full_name,
        "department": user.department,
        "job_title": user.job_title,
        "start_date": iso(user.start_date),
        "locale": user.locale,
        "role": user.role,
        "active": user.active,
        "deactivated_at": iso(user.deactivated_at),
        "manager_id": user.manager_id,
    }


def status_of(user: User, today: date, with_consents: bool) -> dict[str, Any]:
    """Training, policy and (when allowed) consent per purpose, from the areas' own services."""
    training = progress.programme_status([user])[user.id]
    signed = status.status_for(user)
    latest = signed.latest
    due = assignments.summaries([user], today)[user.id]
    result: dict[str, Any] = {
        "employee": employee_json(user),
        "training": {
            "completed_modules": training.completed,
            "required_modules": training.required,
            "done": training.done,
            "completed_at": iso(training.completed_at),
        },
        "policy": {
            "state": signed.state,
            "current_version": signed.current.version if signed.current else None,
            "signed_version": latest.version if latest else None,
            # As shown to people: "3.1" once a minor revision exists; a signature names the
            # revision whose text it signed (the integers above stay for older clients).
            "current_version_label": versions.label(signed.current) if signed.current else None,
            "signed_version_label": versions.acknowledged_label(latest) if latest else None,
            "signed_at": iso(latest.signed_at) if latest else None,
        },
        "due": [
            {"item": i.key, "due_on": iso(i.due_on), "done": i.done, "overdue": i.overdue(today)}
            for i in due.items
        ],
    }
    if with_consents:
        states = decisions.states_for([user.id], today)
        result["consents"] = [
            {
                "purpose": purpose.slug,
                "medium": medium,
                "status": state.status,
                "allowed": state.allowed,
                "since": iso(state.since),
                "valid_until": iso(state.valid_until),
            }
            for purpose in texts.purposes(active_only=True)
            for medium in purpose.media_list
            for state in [states.get((user.id, purpose.id, medium), decisions.NEVER_ASKED)]
        ]
    return result


def overdue_page(
    today: date, after_id: int, limit: int, *, employees_only: bool = True
) -> tuple[list[dict[str, Any]], int | None]:
    """Active people with something overdue, by id after `after_id`; and the next cursor id.

    `employees_only` leaves out accounts above the employee role (tokens without admin scope).

    People are read in chunks so that each page costs a bounded number of queries per chunk
    whatever the organisation's size.
    """
    found: list[dict[str, Any]] = []
    cursor = after_id
    chunk = max(limit * 2, 100)
    while len(found) < limit:
        query = select(User).where(User.active.is_(True), User.id > cursor)
        if employees_only:
            query = query.where(User.role == Role.EMPLOYEE.value)
        users = list(db.session.scalars(query.order_by(User.id).limit(chunk)))
        if not users:
            return found, None
        due = assignments.summaries(users, today)
        for user in users:
            cursor = user.id
            late = due[user.id].overdue
            if late:
                found.append(
                    {
                        "employee": employee_json(user),
                        "overdue": [{"item": i.key, "due_on": iso(i.due_on)} for i in late],
                    }
                )
                if len(found) == limit:
                    break
        if len(users) < chunk and cursor == users[-1].id:
            return found, None
    return found, cursor
