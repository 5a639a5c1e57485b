"""SCIM Users: thin callers of the people services (employee_sync, offboarding, accounts).

Who SCIM sees and finds, and the active flag: a create or an update is written by user_writes
(one employee_sync.upsert, audited with the token's id, like the REST API); `active: false` is
the offboarding the HR page runs (in batches for a bulk), with the image-consent choice taken
from a setting; DELETE deactivates the same way and hides the person from SCIM (evidence is
never deleted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select

from app.consent import offboarding
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations.tokens import Caller
from app.models.types import utcnow
from app.models.user import Role, User
from app.people import accounts

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


def search(
    caller: Caller, condition: Any, start: int, count: int, order: list[Any] | None = None
) -> tuple[int, list[User]]:
    """(total, one page) of the people matching a SQL condition (None: everyone), in the order
    given (sorting.order_by), by id otherwise."""
    query = visible(caller)
    if condition is not None:
        query = query.where(condition)
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    page = db.session.scalars(query.order_by(*(order or [User.id])).offset(start - 1).limit(count))
    return total, list(page) if count else []


def equality(attribute: str, value: Any) -> Any:
    """Public face of _equality: None when the attribute has no SQL translation."""
    return _equality(attribute, value)


def _client_details(caller: Caller) -> dict[str, Any]:
    return {"api_token_id": caller.token_id, "via": "scim"}


def set_active(person: User, active: bool, *, caller: Caller, client: ClientInfo) -> None:
    """Deactivate through offboarding (consent choice from the setting), or reactivate."""
    set_active_many([person], active, caller=caller, client=client)


def set_active_many(
    people: list[User], active: bool, *, caller: Caller, client: ClientInfo
) -> None:
    """set_active for several people in one transaction (offboarding's batch path)."""
    people = [person for person in people if person.active != active]
    if not people:
        return
    try:
        if active:
            accounts.set_active_many(
                people,
                True,
                actor=caller.actor(),
                client=client,
                details={person.id: _client_details(caller) for person in people},
            )
            return
        choice = settings.get(DEACTIVATION_CONSENTS)
        offboarding.deactivate_many(
            people,
            choice if choice in offboarding.CHOICES else offboarding.KEEP,
            actor=caller.actor(),
            client=client,
            details=_client_details(caller),
        )
    except accounts.AccountError as exc:
        raise ScimError(409, str(exc), "mutability") from exc


def remove(person: User, *, caller: Caller, client: ClientInfo) -> None:
    """DELETE: deactivate as offboarding does, then SCIM no longer finds the person."""
    remove_many([person], caller=caller, client=client)


def remove_many(people: list[User], *, caller: Caller, client: ClientInfo) -> None:
    """DELETE of several people: one offboarding batch, then SCIM forgets them (one commit)."""
    set_active_many(people, False, caller=caller, client=client)
    now = utcnow()
    for person in people:
        person.directory_removed_at = now
    db.session.commit()
