"""SCIM Users written: one path for a single request and for a bulk's batch of them.

A batch of creations and replacements is one employee_sync.upsert (the people write path, with
its audit entry naming the token), then one transaction for sign-in names and active flags
(offboarding's batch path). The single-resource routes call it with a batch of one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from scim2_models import EnterpriseUser
from sqlalchemy import func, or_, select

from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import employee_sync
from app.integrations.scim.resources import ScimUser, email_of, full_name_of, locale_of
from app.integrations.scim.users import ScimError, set_active_many
from app.integrations.tokens import Caller
from app.models.user import User

KEEP = object()  # the resource does not say: keep what is stored
_CHUNK = 900  # SQLite's bound-parameter limit


def _managers(changes: list[Change]) -> dict[int, str]:
    """The emails of the managers the resources name by SCIM id (one query per 900)."""
    ids = set()
    for change in changes:
        extension = change.resource[EnterpriseUser]
        manager = extension.manager if extension is not None else None
        if manager is not None and str(manager.value or "").isdigit():
            ids.add(int(str(manager.value)))
    found: dict[int, str] = {}
    wanted = sorted(ids)
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        rows = db.session.execute(select(User.id, User.email).where(User.id.in_(chunk)))
        found.update((user_id, email) for user_id, email in rows)
    return found


def _manager_email(resource: ScimUser, whole: bool, managers: dict[int, str]) -> Any:
    """The manager's email for employee_sync ("" clears it), or KEEP when not given."""
    extension = resource[EnterpriseUser]
    if extension is None:
        return "" if whole else KEEP
    manager = extension.manager
    if manager is None or not manager.value:
        return ""
    value = str(manager.value)
    email = managers.get(int(value)) if value.isdigit() and len(value) < 12 else None
    if email is None:
        raise ScimError(400, f"No user has the id {manager.value}.", "invalidValue")
    return email


def _row(
    resource: ScimUser, current: User | None, whole: bool, managers: dict[int, str]
) -> dict[str, Any]:
    """The employee_sync row; `whole`: what the resource leaves out is cleared (PATCH applied to
    the whole resource), else kept (a PUT from a provider that does not send the extension)."""
    extension = resource[EnterpriseUser]
    department = extension.department if extension is not None else None
    if department is None and not whole:
        department = current.department if current else ""
    row: dict[str, Any] = {
        "email": email_of(resource),
        "external_id": resource.external_id,
        "full_name": full_name_of(resource),
        "department": department or "",
        "job_title": resource.title or "",
        "start_date": current.start_date.isoformat() if current and current.start_date else None,
        "locale": locale_of(
            resource,
            current_app.config["CHARTE_LOCALES"],
            current.locale if current else current_app.config["CHARTE_DEFAULT_LOCALE"],
        ),
    }
    manager = _manager_email(resource, whole, managers)
    if manager is not KEEP:
        row[employee_sync.MANAGER] = manager
    return row


@dataclass
class Change:
    """One SCIM write of a person: the resource, who it replaces (None: a creation), and
    whether what it leaves out is cleared (`whole`, a PATCH applied to the stored resource)."""

    resource: ScimUser
    current: User | None
    whole: bool = False


def save(
    resource: ScimUser,
    current: User | None,
    *,
    caller: Caller,
    client: ClientInfo,
    whole: bool = False,
) -> tuple[User, bool]:
    """Create (current None) or replace a person from a SCIM User; (person, created)."""
    outcome = save_many([Change(resource, current, whole)], caller=caller, client=client)[0]
    if isinstance(outcome, ScimError):
        raise outcome
    assert outcome is not None  # noqa: S101 - no error budget: every change is done
    return outcome, current is None


def _names_taken(names: list[str]) -> dict[str, set[int]]:
    """Who holds each (lower-cased) userName, as sign-in name or as email."""
    taken: dict[str, set[int]] = {}
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        rows = db.session.execute(
            select(User.id, func.lower(User.directory_user_name), func.lower(User.email)).where(
                or_(
                    func.lower(User.directory_user_name).in_(chunk),
                    func.lower(User.email).in_(chunk),
                )
            )
        )
        for user_id, user_name, email in rows:
            for name in {user_name, email} & set(chunk):
                taken.setdefault(name, set()).add(user_id)
    return taken


def _existing(rows: dict[int, dict[str, Any]]) -> dict[int, User]:
    """For creations: a person already holding the row's email, else its external id."""
    by_email = employee_sync.by_emails([row["email"] for row in rows.values()])
    externals = [row["external_id"] for row in rows.values() if row["external_id"]]
    by_external: dict[str, User] = {}
    for start in range(0, len(externals), _CHUNK):
        chunk = externals[start : start + _CHUNK]
        for person in db.session.scalars(select(User).where(User.external_id.in_(chunk))):
            by_external[str(person.external_id)] = person
    found: dict[int, User] = {}
    for index, row in rows.items():
        holder = by_email.get(row["email"].lower())
        if holder is None and row["external_id"]:
            holder = by_external.get(row["external_id"])
        if holder is not None:
            found[index] = holder
    return found


def save_many(
    changes: list[Change], *, caller: Caller, client: ClientInfo, max_errors: int | None = None
) -> list[User | ScimError | None]:
    """Create or replace people from SCIM Users in one employee_sync.upsert (the people write
    path, audited with the token's id), then their sign-in names and active flags in one more
    transaction. Per change: the person, the ScimError refusing it, or None when not done
    because `max_errors` errors came before it (a bulk's failOnErrors).

    A refused change writes nothing and does not stop the others: the upsert writes nothing
    when any row is refused, so it runs again without the refused rows.
    """
    outcomes: list[User | ScimError | None] = [None] * len(changes)
    managers = _managers(changes)
    rows: dict[int, dict[str, Any]] = {}
    for index, change in enumerate(changes):
        try:
            rows[index] = _row(change.resource, change.current, change.whole, managers)
        except ScimError as exc:
            outcomes[index] = exc
    user_names = {index: (changes[index].resource.user_name or "").strip()[:254] for index in rows}
    taken = _names_taken(sorted({name.lower() for name in user_names.values() if name}))
    creations = {i: row for i, row in rows.items() if changes[i].current is None}
    existing = _existing(creations) if creations else {}
    targets: dict[int, User | None] = {}
    for index in list(rows):
        current: User | None = changes[index].current
        name = user_names[index].lower()
        holders = taken.get(name, set()) - ({current.id} if current is not None else set())
        if holders and (current is not None or name != rows[index]["email"].lower()):
            outcomes[index] = ScimError(409, "Another user has this userName.", "uniqueness")
        elif current is None and index in existing:
            if existing[index].directory_removed_at is None:
                outcomes[index] = ScimError(
                    409, "A user with this userName already exists.", "uniqueness"
                )
            else:
                current = existing[index]  # provisioned again after a DELETE
        if isinstance(outcomes[index], ScimError):
            del rows[index]
        else:
            targets[index] = current
    actor = caller.actor()
    for index in list(rows):  # nobody (de)activates their own account, in one batch or alone
        target, active = targets[index], changes[index].resource.active
        mine = target is not None and target.id == actor.id
        if target is not None and mine and active is not None and bool(active) != target.active:
            outcomes[index] = ScimError(
                409, "You cannot deactivate your own account.", "mutability"
            )
            del rows[index]
    _upsert(rows, targets, changes, outcomes, caller=caller, client=client, max_errors=max_errors)
    return _finish(rows, targets, changes, outcomes, user_names, caller=caller, client=client)


def _cut(outcomes: list[Any], rows: dict[int, dict[str, Any]], max_errors: int | None) -> None:
    """With an error budget, drop every row after the error that exhausts it."""
    if max_errors is None or max_errors < 1:  # a caller out of budget writes nothing anyway
        return
    failed = [i for i, o in enumerate(outcomes) if isinstance(o, ScimError)]
    if len(failed) >= max_errors:
        last = failed[max_errors - 1]
        for index in [i for i in rows if i > last]:
            del rows[index]


def _upsert(rows, targets, changes, outcomes, *, caller, client, max_errors) -> None:
    """employee_sync.upsert of the rows still standing, again without the rows it refuses."""
    while True:
        _cut(outcomes, rows, max_errors)
        if not rows:
            return
        order = sorted(rows)
        result = employee_sync.upsert(
            [dict(rows[i]) for i in order],
            actor=caller.actor(),
            client=client,
            source=str(caller.token_id),
            reach_privileged=caller.reaches_privileged,
            user_ids=[targets[i].id if targets[i] is not None else None for i in order],
            clear_external={n for n, i in enumerate(order) if changes[i].whole},
        )
        if not result.errors:
            return
        refused: dict[int, list[dict[str, Any]]] = {}
        for problem in result.errors:
            refused.setdefault(order[problem["index"]], []).append(problem)
        for index, problems in refused.items():
            position = order.index(index)
            outcomes[index] = _upsert_error(problems, position in result.forbidden_rows)
            del rows[index]


def _upsert_error(problems: list[dict[str, Any]], forbidden: bool) -> ScimError:
    if forbidden:
        return ScimError(403, "This person is not an employee: the token needs employees:admin.")
    messages = "; ".join(f"{e['field'] or 'user'}: {e['message']}" for e in problems)
    uniqueness = any("another" in str(e["message"]) for e in problems)
    return ScimError(
        409 if uniqueness else 400, messages, "uniqueness" if uniqueness else "invalidValue"
    )


def _finish(rows, targets, changes, outcomes, user_names, *, caller, client) -> list:
    """Sign-in names, re-provisioning and active flags of the people written (one commit)."""
    people = employee_sync.by_emails([row["email"] for row in rows.values()])
    activate: list[User] = []
    deactivate: list[User] = []
    for index, row in rows.items():
        person = people[row["email"].lower()]
        outcomes[index] = person
        wanted = user_names[index]
        wanted_name = None if wanted.lower() == person.email.lower() else wanted
        if person.directory_user_name != wanted_name:
            person.directory_user_name = wanted_name
        if person.directory_removed_at is not None and changes[index].current is None:
            person.directory_removed_at = None
        active = changes[index].resource.active
        if active is not None and person.active != bool(active):
            (activate if active else deactivate).append(person)
    # No commit before: committing would expire every person, re-read one by one below.
    set_active_many(activate, True, caller=caller, client=client)
    set_active_many(deactivate, False, caller=caller, client=client)
    db.session.commit()
    return outcomes
