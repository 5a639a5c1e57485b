"""SCIM Groups: kept as the identity provider sends them; an administrator maps each one to a
department or a role, which its members then receive through the people services.

A role above HR (administrator) is granted by a group only when the explicit setting allows it;
a group never lowers anyone's role when they join it, and leaving a role group gives back the
employee role only to those who held exactly that role.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from scim2_models import Group
from sqlalchemy import delete, func, insert, select

from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import employee_sync
from app.integrations.scim.users import ScimError
from app.integrations.tokens import Caller
from app.models.types import utcnow
from app.models.user import (
    MAPS_TO_DEPARTMENT,
    MAPS_TO_NOTHING,
    MAPS_TO_ROLE,
    Role,
    ScimGroup,
    ScimGroupMember,
    User,
)
from app.people import roles
from app.permissions import ROLE_RANK

GROUPS_MAY_GRANT_ADMIN = settings.SettingSpec(
    "scim.groups_may_grant_admin",
    "bool",
    False,
    _l("A directory group may make its members administrators"),
    _l("Directory (SCIM)"),
    _l("Off: a group maps at most to the HR role, whatever the mapping page says."),
)
_CHUNK = 900


class MappingError(ValueError):
    """The mapping is refused; the message says why."""


def find(group_id: str) -> ScimGroup | None:
    """The group a SCIM id names."""
    if not group_id.isdigit() or len(group_id) > 12:
        return None
    return db.session.get(ScimGroup, int(group_id))


def all_groups() -> list[ScimGroup]:
    """Every group, by name (the mapping page)."""
    return list(db.session.scalars(select(ScimGroup).order_by(ScimGroup.display_name)))


def member_counts() -> dict[int, int]:
    """How many people each group holds."""
    rows = db.session.execute(
        select(ScimGroupMember.group_id, func.count()).group_by(ScimGroupMember.group_id)
    )
    return {group_id: count for group_id, count in rows}


def members(group: ScimGroup) -> list[User]:
    """The group's members, by id."""
    return list(
        db.session.scalars(
            select(User)
            .join(ScimGroupMember, ScimGroupMember.user_id == User.id)
            .where(ScimGroupMember.group_id == group.id)
            .order_by(User.id)
        )
    )


def equality(attribute: str, value: Any) -> Any:
    """SQL for `attribute eq value` on Groups; None when not translatable."""
    name, text = attribute.lower(), str(value)
    if name == "displayname":
        return func.lower(ScimGroup.display_name) == text.lower()
    if name == "externalid":
        return ScimGroup.external_id == text
    if name == "id":
        return ScimGroup.id == (int(text) if text.isdigit() and len(text) < 12 else -1)
    return None


def search(
    condition: Any, start: int, count: int, order: list[Any] | None = None
) -> tuple[int, list[ScimGroup]]:
    """(total, one page) of the groups matching the condition, in the order given, by id
    otherwise."""
    query = select(ScimGroup)
    if condition is not None:
        query = query.where(condition)
    total = db.session.scalar(query.with_only_columns(func.count()).order_by(None)) or 0
    page = db.session.scalars(
        query.order_by(*(order or [ScimGroup.id])).offset(start - 1).limit(count)
    )
    return total, list(page) if count else []


def _member_ids(values: list[str]) -> list[int]:
    ids = sorted({int(v) for v in values if v.isdigit() and len(v) < 12})
    if len(ids) != len(set(values)):
        raise ScimError(400, "Every member must be the id of a user.", "invalidValue")
    found: set[int] = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found |= set(db.session.scalars(select(User.id).where(User.id.in_(chunk))))
    missing = [i for i in ids if i not in found]
    if missing:
        raise ScimError(400, f"No user has the id {missing[0]}.", "invalidValue")
    return ids


def save(
    group: ScimGroup | None,
    display_name: str,
    external_id: str | None,
    member_values: list[str],
    *,
    actor: User,
    client: ClientInfo,
    token_id: int,
    reach_privileged: bool,
) -> ScimGroup:
    """Create or replace a group and its members; the mapping applies to who joins or leaves."""
    display_name = " ".join((display_name or "").split())[:200]
    if not display_name:
        raise ScimError(400, "displayName is required.", "invalidValue")
    clash = db.session.scalar(
        select(ScimGroup).where(func.lower(ScimGroup.display_name) == display_name.lower())
    )
    if clash is not None and (group is None or clash.id != group.id):
        raise ScimError(409, "A group with this displayName already exists.", "uniqueness")
    wanted = set(_member_ids(member_values))
    created = group is None
    if group is None:
        group = ScimGroup(display_name=display_name, external_id=external_id)
        db.session.add(group)
        db.session.flush()
        before: set[int] = set()
    else:
        group.display_name, group.external_id = display_name, external_id
        before = set(
            db.session.scalars(
                select(ScimGroupMember.user_id).where(ScimGroupMember.group_id == group.id)
            )
        )
    added, removed = sorted(wanted - before), sorted(before - wanted)
    for start in range(0, len(added), _CHUNK):
        db.session.execute(
            insert(ScimGroupMember),
            [{"group_id": group.id, "user_id": u} for u in added[start : start + _CHUNK]],
        )
    for start in range(0, len(removed), _CHUNK):
        db.session.execute(
            delete(ScimGroupMember).where(
                ScimGroupMember.group_id == group.id,
                ScimGroupMember.user_id.in_(removed[start : start + _CHUNK]),
            )
        )
    group.updated_at = utcnow()  # the ETag moves even when only members changed
    details = {"api_token_id": token_id, "via": "scim"}
    audit.record(
        AuditAction.SCIM_GROUP_CHANGED,
        actor=actor,
        target_type="scim_group",
        target_id=group.id,
        details={
            "display_name": display_name,
            "created": created,
            "added": len(added),
            "removed": len(removed),
            **details,
        },
        client=client,
    )
    _apply(group, added, removed, actor=actor, client=client, details=details,
           reach_privileged=reach_privileged)  # fmt: skip
    db.session.commit()
    db.session.refresh(group)
    return group


def save_resource(
    group: ScimGroup | None, resource: Group, *, caller: Caller, client: ClientInfo
) -> ScimGroup:
    """save() from a SCIM Group resource, for the token calling (its id is audited)."""
    return save(
        group,
        resource.display_name or "",
        resource.external_id,
        [str(m.value) for m in resource.members or [] if m.value],
        actor=caller.actor(),
        client=client,
        token_id=caller.token_id,
        reach_privileged=caller.reaches_privileged,
    )


def remove(group: ScimGroup, *, actor: User, client: ClientInfo, token_id: int) -> None:
    """Delete a group: its members leave it (a role it gave is taken back), nobody is deleted."""
    leaving = [m.id for m in members(group)]
    _apply(group, [], leaving, actor=actor, client=client,
           details={"api_token_id": token_id, "via": "scim"}, reach_privileged=True)  # fmt: skip
    audit.record(
        AuditAction.SCIM_GROUP_CHANGED,
        actor=actor,
        target_type="scim_group",
        target_id=group.id,
        details={"display_name": group.display_name, "deleted": True, "api_token_id": token_id},
        client=client,
    )
    db.session.delete(group)
    db.session.commit()


def _people(ids: list[int]) -> list[User]:
    found: list[User] = []
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        found += db.session.scalars(select(User).where(User.id.in_(chunk)))
    return found


def _apply(
    group: ScimGroup,
    added: list[int],
    removed: list[int],
    *,
    actor: User,
    client: ClientInfo,
    details: dict[str, Any],
    reach_privileged: bool,
) -> None:
    """Give the group's department or role to who joined; take a role back from who left."""
    if group.maps_to == MAPS_TO_DEPARTMENT and added:
        people = [p for p in _people(added) if reach_privileged or p.role == Role.EMPLOYEE.value]
        rows = [
            {
                "email": p.email,
                "external_id": p.external_id,
                "full_name": p.full_name,
                "department": group.target,
                "job_title": p.job_title,
                "start_date": p.start_date.isoformat() if p.start_date else None,
                "locale": p.locale,
            }
            for p in people
            if p.department != group.target
        ]
        for start in range(0, len(rows), employee_sync.MAX_BATCH):
            result = employee_sync.upsert(
                rows[start : start + employee_sync.MAX_BATCH],
                actor=actor,
                client=client,
                source=str(details.get("api_token_id", "")),
                reach_privileged=True,
            )
            if result.errors:
                raise ScimError(400, str(result.errors[0]["message"]), "invalidValue")
    if group.maps_to == MAPS_TO_ROLE:
        role = granted_role(group.target)
        if role is None:
            return
        for person in _people(added):
            # Joining a group never lowers anyone's role; nobody changes their own role.
            raises = ROLE_RANK[Role(person.role)] < ROLE_RANK[role] or person.role == Role.EMPLOYEE
            if raises and person.role != role.value and person.id != actor.id:
                roles.change_role(person, role, actor=actor, client=client, details=details)
        for person in _people(removed):
            if person.role == role.value and person.id != actor.id:
                roles.change_role(
                    person, Role.EMPLOYEE, actor=actor, client=client, details=details
                )


def granted_role(target: str) -> Role | None:
    """The role a role group gives, or None when it may not (administrator without the setting)."""
    try:
        role = Role(target)
    except ValueError:
        return None
    if role is Role.ADMIN and not settings.get(GROUPS_MAY_GRANT_ADMIN):
        return None
    return role


def set_mapping(
    group: ScimGroup, maps_to: str, target: str, *, actor: User, client: ClientInfo
) -> None:
    """The administrator's mapping of a group (audited), applied at once to its members."""
    target = " ".join((target or "").split())[:120]
    if maps_to not in (MAPS_TO_NOTHING, MAPS_TO_DEPARTMENT, MAPS_TO_ROLE):
        raise MappingError(_("Choose what the group maps to."))
    if maps_to == MAPS_TO_DEPARTMENT and not target:
        raise MappingError(_("Name the department."))
    if maps_to == MAPS_TO_ROLE:
        if target not in {r.value for r in Role}:
            raise MappingError(_("Choose a role."))
        if granted_role(target) is None:
            raise MappingError(
                _("A group may make its members administrators only when the setting allows it.")
            )
    if maps_to == MAPS_TO_NOTHING:
        target = ""
    old = {"maps_to": group.maps_to, "target": group.target}
    if old == {"maps_to": maps_to, "target": target}:
        return
    current = [m.id for m in members(group)]
    if group.maps_to == MAPS_TO_ROLE:
        _apply(group, [], current, actor=actor, client=client, details={}, reach_privileged=True)
    group.maps_to, group.target = maps_to, target
    audit.record(
        AuditAction.SCIM_GROUP_MAPPING_CHANGED,
        actor=actor,
        target_type="scim_group",
        target_id=group.id,
        details={"from": old, "to": {"maps_to": maps_to, "target": target}},
        client=client,
    )
    _apply(group, current, [], actor=actor, client=client, details={}, reach_privileged=True)
    db.session.commit()
