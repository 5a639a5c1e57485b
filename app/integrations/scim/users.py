"""SCIM Users: thin callers of the people services (employee_sync, offboarding, accounts).

A create or an update is one employee_sync.upsert (audited with the token's id, like the REST
API); `active: false` is the offboarding the HR page runs, with the image-consent choice taken
from a setting; DELETE deactivates the same way and hides the person from SCIM (evidence is
never deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from scim2_models import EnterpriseUser
from sqlalchemy import Select, func, or_, select

from app.consent import offboarding
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import employee_sync
from app.integrations.scim.resources import (
    ScimUser,
    email_of,
    full_name_of,
    locale_of,
)
from app.integrations.tokens import Caller
from app.models.types import utcnow
from app.models.user import Role, User
from app.people import accounts

KEEP = object()

DEACTIVATION_CONSENTS = settings.SettingSpec(
    "scim.deactivation_image_consents",
    "text",
    offboarding.KEEP,
    _l("Image consents of people the directory deactivates"),
    _l("Directory (SCIM)"),
    _l("keep: their consents run until they expire; end_now: they are ended at deactivation."),
)


@dataclass
class ScimError(Exception):
    """An error the SCIM endpoint answers with (RFC 7644 §3.12)."""

    status: int
    detail: str
    scim_type: str | None = None


def visible(caller: Caller) -> Select:
    """People SCIM may see: not removed by the directory; above employee only with the admin scope."""
    query = select(User).where(User.directory_removed_at.is_(None))
    if not caller.reaches_privileged:
        query = query.where(User.role == Role.EMPLOYEE.value)
    return query


def find(caller: Caller, user_id: str) -> User | None:
    """The person a SCIM id names, if SCIM may see them."""
    if not user_id.isdigit() or len(user_id) > 12:
        return None
    return db.session.scalar(visible(caller).where(User.id == int(user_id)))


def _equality(attribute: str, value: Any) -> Any:
    """The SQL condition of `attribute eq value` on Users, for the attributes Charte indexes."""
    text = str(value)
    name = attribute.lower()
    if name == "username":
        key = text.strip().lower()
        return or_(func.lower(User.email) == key, func.lower(User.directory_user_name) == key)
    if name in {"emails", "emails.value"}:
        return func.lower(User.email) == text.strip().lower()
    if name == "externalid":
        return User.external_id == text
    if name == "id":
        return User.id == int(text) if text.isdigit() and len(text) < 12 else User.id == -1
    return None


def search(caller: Caller, condition: Any, start: int, count: int) -> tuple[int, list[User]]:
    """(total, one page) of the people matching a SQL condition (None: everyone), by id."""
    query = visible(caller)
    if condition is not None:
        query = query.where(condition)
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    page = db.session.scalars(query.order_by(User.id).offset(start - 1).limit(count))
    return total, list(page) if count else []


def equality(attribute: str, value: Any) -> Any:
    """Public face of _equality: None when the attribute has no SQL translation."""
    return _equality(attribute, value)


def _manager_email(resource: ScimUser, whole: bool) -> str | None | object:
    """The manager's email for employee_sync ("" clears it), or KEEP when not given."""
    extension = resource[EnterpriseUser]
    if extension is None:
        return "" if whole else KEEP
    manager = extension.manager
    if manager is None or not manager.value:
        return ""
    boss = db.session.get(User, int(manager.value)) if str(manager.value).isdigit() else None
    if boss is None:
        raise ScimError(400, f"No user has the id {manager.value}.", "invalidValue")
    return boss.email


def _row(resource: ScimUser, current: User | None, whole: bool) -> dict[str, Any]:
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
    manager = _manager_email(resource, whole)
    if manager is not KEEP:
        row[employee_sync.MANAGER] = manager
    return row


def _client_details(caller: Caller) -> dict[str, Any]:
    return {"api_token_id": caller.token_id, "via": "scim"}


def save(
    resource: ScimUser,
    current: User | None,
    *,
    caller: Caller,
    client: ClientInfo,
    whole: bool = False,
) -> tuple[User, bool]:
    """Create (current None) or replace a person from a SCIM User; (person, created)."""
    row = _row(resource, current, whole)
    user_name = (resource.user_name or "").strip()[:254]
    clash = db.session.scalar(
        select(User.id).where(
            or_(
                func.lower(User.directory_user_name) == user_name.lower(),
                func.lower(User.email) == user_name.lower(),
            )
        )
    )
    taken = clash is not None and (current is None or clash != current.id)
    if taken and (current is not None or user_name.lower() != row["email"].lower()):
        raise ScimError(409, "Another user has this userName.", "uniqueness")
    if current is None:
        existing = employee_sync.find(row["email"])
        if existing is None and row["external_id"]:
            existing = employee_sync.find(row["external_id"])
        if existing is not None and existing.directory_removed_at is None:
            raise ScimError(409, "A user with this userName already exists.", "uniqueness")
        if existing is not None:
            current = existing  # provisioned again after a DELETE
            current.directory_removed_at = None
    result = employee_sync.upsert(
        [row],
        actor=caller.actor(),
        client=client,
        source=str(caller.token_id),
        reach_privileged=caller.reaches_privileged,
        user_ids=[current.id] if current is not None else None,
        clear_external={0} if whole else None,
    )
    if result.forbidden:
        raise ScimError(403, "This person is not an employee: the token needs employees:admin.")
    if result.errors:
        messages = "; ".join(f"{e['field'] or 'user'}: {e['message']}" for e in result.errors)
        uniqueness = any("another" in str(e["message"]) for e in result.errors)
        raise ScimError(
            409 if uniqueness else 400, messages, "uniqueness" if uniqueness else "invalidValue"
        )
    person = employee_sync.find(row["email"])
    assert person is not None  # noqa: S101 - just written
    wanted = None if user_name.lower() == person.email.lower() else user_name
    if person.directory_user_name != wanted:
        person.directory_user_name = wanted
        db.session.commit()
    if resource.active is not None:
        set_active(person, bool(resource.active), caller=caller, client=client)
    return person, current is None


def set_active(person: User, active: bool, *, caller: Caller, client: ClientInfo) -> None:
    """Deactivate through offboarding (consent choice from the setting), or reactivate."""
    if person.active == active:
        return
    try:
        if active:
            accounts.set_active(
                person, True, actor=caller.actor(), client=client, details=_client_details(caller)
            )
            return
        choice = settings.get(DEACTIVATION_CONSENTS)
        offboarding.deactivate(
            person,
            choice if choice in offboarding.CHOICES else offboarding.KEEP,
            actor=caller.actor(),
            client=client,
            details=_client_details(caller),
        )
    except accounts.AccountError as exc:
        raise ScimError(409, str(exc), "mutability") from exc


def remove(person: User, *, caller: Caller, client: ClientInfo) -> None:
    """DELETE: deactivate as offboarding does, then SCIM no longer finds the person."""
    set_active(person, False, caller=caller, client=client)
    person.directory_removed_at = utcnow()
    db.session.commit()
