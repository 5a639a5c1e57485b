"""Employees kept in step with an HR system: idempotent upserts by email or external id.

A batch is validated whole, then written with bulk statements in one transaction: any bad row
and nothing is written, with every problem listed by the row's index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select, update

from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.types import utcnow
from app.models.user import Role, User, new_session_token
from app.people import accounts

MAX_BATCH = 10_000
EXTERNAL_ID_RE = re.compile(r"^[A-Za-z0-9._:\-]{1,100}$")
FIELDS = ("email", "external_id", "full_name", "department", "job_title", "start_date", "locale")
# Accepted besides FIELDS: the person's manager, by email or external id ("" or null: none).
MANAGER = "manager"
_KEEP = object()  # a field left out of the row: keep what is stored
_LIMITS = {"full_name": 200, "department": 120, "job_title": 120}
_CHUNK = 900  # stay under SQLite's bound-parameter limit


@dataclass
class UpsertResult:
    """What a batch did, or every reason it did nothing."""

    errors: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)  # index, email, result
    # Set when a row named an account above the employee role without the admin scope.
    forbidden: bool = False
    forbidden_rows: set[int] = field(default_factory=set)  # their indexes

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o["result"] == result)


def is_privileged(role: str) -> bool:
    """True for every role above employee: HR, admin, auditor, communications."""
    return role != Role.EMPLOYEE.value


def find(key: str, *, reach_privileged: bool = True) -> User | None:
    """The employee an API path names: an email (it has an @) or the HR system's external id.

    Without `reach_privileged`, accounts above the employee role are not found at all.
    """
    key = key.strip()
    if "@" in key:
        query = select(User).where(func.lower(User.email) == key.lower())
    else:
        query = select(User).where(User.external_id == key)
    if not reach_privileged:
        query = query.where(User.role == Role.EMPLOYEE.value)
    return db.session.scalar(query)


@lru_cache(maxsize=65536)
def normalised_email(raw: str) -> str:
    """The address as stored (validated, normalised, lower-cased); EmailNotValidError otherwise.

    Cached: a directory sends the same addresses again and again (every update, every group
    change), and validating one costs more than the rest of its row.
    """
    return validate_email(raw, check_deliverability=False).normalized.lower()


def _error(index: int, name: str | None, message: str) -> dict[str, Any]:
    return {"index": index, "field": name, "message": message}


def _clean(index: int, item: Any, errors: list[dict[str, Any]]) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        errors.append(_error(index, None, _("Each employee must be a JSON object.")))
        return None
    before = len(errors)
    unknown = sorted(set(item) - set(FIELDS) - {MANAGER})
    if unknown:
        errors.append(_error(index, unknown[0], _("Unknown field.")))
    row: dict[str, Any] = {}
    try:
        raw = item.get("email")
        if not isinstance(raw, str):
            raise EmailNotValidError("not a string")
        row["email"] = normalised_email(raw.strip())
    except EmailNotValidError:
        errors.append(_error(index, "email", _("A valid email address is required.")))
    external = item.get("external_id")
    if external is not None and (
        not isinstance(external, str) or not EXTERNAL_ID_RE.match(external)
    ):
        errors.append(
            _error(index, "external_id", _("Use 1 to 100 letters, digits, dots, dashes or colons."))
        )
    row["external_id"] = external
    for name, limit in _LIMITS.items():
        value = item.get(name, "")
        if not isinstance(value, str) or len(value.strip()) > limit:
            errors.append(_error(index, name, _("At most %(n)d characters.", n=limit)))
            continue
        row[name] = " ".join(value.split())
    if "full_name" in row and not row["full_name"]:
        errors.append(_error(index, "full_name", _("The full name is required.")))
    elif "full_name" in row and accounts.has_bidi_controls(row["full_name"]):
        errors.append(_error(index, "full_name", accounts.bidi_message()))
    start = item.get("start_date")
    try:
        row["start_date"] = date.fromisoformat(start) if start is not None else None
    except (TypeError, ValueError):
        errors.append(_error(index, "start_date", _("Expected a date as YYYY-MM-DD.")))
    locale = item.get("locale") or current_app.config["CHARTE_DEFAULT_LOCALE"]
    if locale not in current_app.config["CHARTE_LOCALES"]:
        errors.append(_error(index, "locale", _("Expected fr or en.")))
    row["locale"] = locale
    manager = item.get(MANAGER, _KEEP)
    if manager is not _KEEP and manager is not None and not isinstance(manager, str):
        errors.append(_error(index, MANAGER, _("Expected the manager's email or external id.")))
    row[MANAGER] = manager.strip() if isinstance(manager, str) else manager
    return row if len(errors) == before else None


def _existing(
    rows: list[dict[str, Any]], ids: list[int] | None = None
) -> tuple[dict[str, dict], dict[str, dict], dict[int, dict]]:
    """Current users matching the rows' emails, external ids or given ids, keyed three ways."""
    columns = (
        User.id,
        User.role,
        User.email,
        User.external_id,
        *(getattr(User, n) for n in FIELDS[2:]),
        User.manager_id,
    )
    emails = [r["email"] for r in rows]
    externals = [r["external_id"] for r in rows if r["external_id"]]
    by_email: dict[str, dict] = {}
    by_external: dict[str, dict] = {}
    by_id: dict[int, dict] = {}
    searches: list[tuple[list[Any], Any]] = [(emails, User.email), (externals, User.external_id)]
    for values, column in (*searches, (ids or [], User.id)):
        for start in range(0, len(values), _CHUNK):
            chunk = values[start : start + _CHUNK]
            for found in db.session.execute(select(*columns).where(column.in_(chunk))):
                current = dict(found._mapping)
                by_email[current["email"].lower()] = current
                if current["external_id"]:
                    by_external[current["external_id"]] = current
                by_id[current["id"]] = current
    return by_email, by_external, by_id


def _match(index, row, by_email, by_external, errors, known=None) -> dict | None:
    owner = by_email.get(row["email"])
    keyed = by_external.get(row["external_id"]) if row["external_id"] else None
    if known is not None:  # the caller names the person (SCIM by id): email and id may move
        for other, name in ((owner, "email"), (keyed, "external_id")):
            if other is not None and other["id"] != known["id"]:
                errors.append(_error(index, name, _("This value belongs to another employee.")))
                return None
        return known
    if keyed is not None and owner is not None and owner["id"] != keyed["id"]:
        errors.append(_error(index, "email", _("This email belongs to another employee.")))
        return None
    current = keyed or owner
    if (
        current is not None
        and row["external_id"]
        and current["external_id"]
        and current["external_id"] != row["external_id"]
    ):
        errors.append(
            _error(index, "external_id", _("This employee already has another external id."))
        )
        return None
    return current


def upsert(
    items: list[Any],
    *,
    actor: User,
    client: ClientInfo,
    source: str,
    reach_privileged: bool = False,
    user_ids: list[int | None] | None = None,
    clear_external: set[int] | None = None,
) -> UpsertResult:
    """Create or update every employee, or none: one transaction, bulk statements.

    A row matching an account above the employee role (by email or external id) is refused
    unless `reach_privileged` (the token's admin scope): a sync must not re-key or re-address
    HR or an administrator, whose next password reset would then go to someone else.
    Changes of email or external id, and of manager, are audited one by one, naming the token
    (`source`). `user_ids` (SCIM) names, per row, the person it updates, whose email may change;
    `clear_external` the rows (by index) whose absent external id is removed rather than kept.
    """
    result = UpsertResult()
    if not isinstance(items, list) or not items or len(items) > MAX_BATCH:
        result.errors.append(_error(0, None, _("Send between 1 and %(n)d employees.", n=MAX_BATCH)))
        return result
    rows: list[tuple[int, dict[str, Any]]] = []
    seen_email: dict[str, int] = {}
    seen_external: dict[str, int] = {}
    for index, item in enumerate(items):
        row = _clean(index, item, result.errors)
        if row is None:
            continue
        for key, seen, name in (
            (row["email"], seen_email, "email"),
            (row["external_id"], seen_external, "external_id"),
        ):
            if key and key in seen:
                result.errors.append(
                    _error(index, name, _("Same as the employee at index %(i)d.", i=seen[key]))
                )
            elif key:
                seen[key] = index
        rows.append((index, row))
    if result.errors:
        return result
    named = [i for i in (user_ids or []) if i is not None]
    by_email, by_external, by_id = _existing([r for _i, r in rows], named)
    now = utcnow()
    to_create, to_update, identity_changes = [], [], []
    managers: list[tuple[str, Any]] = []  # (email, manager key) to set once everyone exists
    for index, row in rows:
        manager = row.pop(MANAGER)
        if manager is not _KEEP:
            managers.append((row["email"], manager or None))
        known_id = user_ids[index] if user_ids else None
        known = by_id.get(known_id) if known_id is not None else None
        if known_id is not None and known is None:
            result.errors.append(_error(index, None, _("No employee has this id.")))
            continue
        current = _match(index, row, by_email, by_external, result.errors, known)
        if current is not None and is_privileged(current["role"]) and not reach_privileged:
            result.forbidden = True
            result.forbidden_rows.add(index)
            result.errors.append(
                _error(
                    index,
                    None,
                    _(
                        "This person is not an employee: only a token with the scope "
                        "employees:admin may change them."
                    ),
                )
            )
            continue
        if current is None:
            to_create.append(
                {
                    **row,
                    "role": Role.EMPLOYEE.value,
                    "active": True,
                    "session_token": new_session_token(),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            outcome = "created"
        else:
            if row["external_id"] is None and index not in (clear_external or ()):
                row["external_id"] = current["external_id"]  # absent means "keep"
            changed = any(current.get(k) != v for k, v in row.items())
            if changed:
                to_update.append({"id": current["id"], **row, "updated_at": now})
            moved = {
                name: {"from": current[name], "to": row[name]}
                for name in ("email", "external_id")
                if current[name] != row[name]
            }
            if moved:
                identity_changes.append((current["id"], moved))
            outcome = "updated" if changed else "unchanged"
        result.outcomes.append({"index": index, "email": row["email"], "result": outcome})
    if result.errors:
        result.outcomes.clear()
        return result
    if to_create:
        db.session.execute(insert(User), to_create)
    if to_update:  # one executemany: every row sets the same columns
        db.session.execute(update(User), to_update)
    manager_changes = _set_managers(managers, result, reach_privileged)
    if result.errors:
        db.session.rollback()
        result.outcomes.clear()
        return result
    audit.record(
        AuditAction.USERS_UPSERTED,
        actor=actor,
        target_type="api_token",
        target_id=source,
        details={
            "created": result.count("created"),
            "updated": result.count("updated"),
            "unchanged": result.count("unchanged"),
            # Who, not only how many: a batch of a thousand stays traceable person by person.
            "created_ids": _ids_of([row["email"] for row in to_create]),
            "updated_ids": sorted(row["id"] for row in to_update),
        },
        client=client,
    )
    for user_id, moved in identity_changes:
        _audit_identity_change(user_id, moved, actor=actor, client=client, source=source)
    for user_id, old, new in manager_changes:
        audit.record(
            AuditAction.USER_MANAGER_CHANGED,
            actor=actor,
            subject=db.session.get(User, user_id),
            target_type="user",
            target_id=user_id,
            details={"from": old, "to": new, "api_token_id": source},
            client=client,
        )
    db.session.commit()
    return result


def _set_managers(
    managers: list[tuple[str, Any]], result: UpsertResult, reach_privileged: bool
) -> list[tuple[int, int | None, int | None]]:
    """Point each row's person at its manager (people of the batch included); (id, from, to)."""
    if not managers:
        return []
    people = by_emails([email for email, _key in managers])
    keys = sorted({key for _email, key in managers if key})
    found, unknown = resolve(keys, reach_privileged=True)
    del reach_privileged  # a manager may be anyone, HR included; only their id is written
    wanted: dict[str, int] = {}
    for person in found:
        wanted[person.email.lower()] = person.id
        if person.external_id:
            wanted[person.external_id] = person.id
    index_of = {o["email"]: o["index"] for o in result.outcomes}
    for key in unknown:
        for email, asked in managers:
            if asked == key:
                result.errors.append(
                    _error(index_of.get(email, 0), MANAGER, _("No employee has this email or id."))
                )
    changes, updates = [], []
    for email, key in managers:
        person = people[email]
        new = wanted.get(key.lower() if key and "@" in key else key) if key else None
        if key and new is None:
            continue
        if new == person.id:
            result.errors.append(
                _error(index_of.get(email, 0), MANAGER, _("A person cannot manage themselves."))
            )
            continue
        if person.manager_id != new:
            changes.append((person.id, person.manager_id, new))
            updates.append({"id": person.id, "manager_id": new})
    if updates and not result.errors:
        db.session.execute(update(User), updates)
    return changes


def _audit_identity_change(
    user_id: int, moved: dict[str, dict], *, actor: User, client: ClientInfo, source: str
) -> None:
    """One entry per person whose email or external id changed, naming the token.

    The old and new external ids are recorded (identifiers); for the email only that it
    changed: addresses are personal data the retention purge must be able to blank.
    """
    details: dict[str, Any] = {"fields": sorted(moved), "api_token_id": source}
    if "external_id" in moved:
        details["external_id"] = moved["external_id"]
    audit.record(
        AuditAction.USER_IDENTITY_CHANGED,
        actor=actor,
        subject=db.session.get(User, user_id),
        target_type="user",
        target_id=user_id,
        details=details,
        client=client,
    )


def _ids_of(emails: list[str]) -> list[int]:
    """The ids of the people holding these (lower-cased) addresses, sorted (bounded queries)."""
    ids: list[int] = []
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start : start + _CHUNK]
        ids += db.session.scalars(select(User.id).where(func.lower(User.email).in_(chunk)))
    return sorted(ids)


def by_emails(emails: list[str]) -> dict[str, User]:
    """Users by lower-cased email (bounded queries)."""
    found: dict[str, User] = {}
    for start in range(0, len(emails), _CHUNK):
        chunk = [e.lower() for e in emails[start : start + _CHUNK]]
        for user in db.session.scalars(select(User).where(func.lower(User.email).in_(chunk))):
            found[user.email.lower()] = user
    return found


def resolve(keys: list[str], *, reach_privileged: bool = True) -> tuple[list[User], list[str]]:
    """People named by email or external id, and the keys that named nobody.

    Without `reach_privileged`, a key naming someone above the employee role names nobody.
    """
    emails = [k.strip().lower() for k in keys if "@" in k]
    externals = [k.strip() for k in keys if "@" not in k]
    found = by_emails(emails)
    for start in range(0, len(externals), _CHUNK):
        chunk = externals[start : start + _CHUNK]
        for user in db.session.scalars(select(User).where(User.external_id.in_(chunk))):
            found[user.external_id] = user
    people, unknown, ids = [], [], set()
    for key in keys:
        person = found.get(key.strip().lower() if "@" in key else key.strip())
        if person is None or (not reach_privileged and is_privileged(person.role)):
            unknown.append(key)
        elif person.id not in ids:
            ids.add(person.id)
            people.append(person)
    return people, unknown
