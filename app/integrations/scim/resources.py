"""Charte people and groups as SCIM resources (scim2-models), and SCIM payloads as Charte rows.

What maps where (RFC 7643):
  userName → email (when it is not an address, the work or primary email is used)
  externalId → external_id; displayName, name.formatted or given + family name → full_name
  title → job_title; preferredLanguage/locale → locale (fr or en); active → active
  enterprise extension: department → department, manager.value (a SCIM user id) → manager
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scim2_models import (
    Context,
    Email,
    EnterpriseUser,
    Group,
    GroupMember,
    Manager,
    Meta,
    ScimPolicy,
    User,
)

from app.models.user import ScimGroup
from app.models.user import User as Person

ScimUser = User[EnterpriseUser]
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
# What identity providers send in practice (Microsoft Entra above all): unknown attributes are
# dropped rather than refused, a PATCH "remove" may carry the value to remove, and a path filter
# matching nothing adds the entry.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


def version_of(moment: datetime | None) -> str:
    """The weak ETag of a resource: its last change, to the microsecond."""
    stamp = int(moment.timestamp() * 1_000_000) if moment else 0
    return f'W/"{stamp}"'


def user_resource(person: Person, base_url: str) -> ScimUser:
    """The person as a SCIM User with the enterprise extension."""
    enterprise = EnterpriseUser(schemas=[ENTERPRISE], department=person.department or None)
    if person.manager_id:
        enterprise.manager = Manager(
            value=str(person.manager_id),
            ref=f"{base_url}/Users/{person.manager_id}",  # type: ignore[arg-type]  # validated
        )
    resource = ScimUser(
        id=str(person.id),
        external_id=person.external_id,
        user_name=person.directory_user_name or person.email,
        display_name=person.full_name,
        # Stored addresses were validated when written: constructed, not validated again (a
        # bulk of PATCHes builds one resource per person).
        emails=[Email.model_construct(value=person.email)],
        title=person.job_title or None,
        active=person.active,
        meta=Meta(
            resource_type="User",
            created=person.created_at,
            last_modified=person.updated_at,
            location=f"{base_url}/Users/{person.id}",
            version=version_of(person.updated_at),
        ),
    )
    resource[EnterpriseUser] = enterprise
    return resource


# The single-valued attributes a directory changes most (Entra ID and Okta deactivate with
# `active`): a PATCH that only adds or replaces these is applied by assignment, which gives what
# scim2-models' general PATCH gives (tests/integrations/test_scim_bulk.py compares them) without
# its per-operation copy of the whole resource, the largest cost of a bulk of deactivations.
SIMPLE_ATTRIBUTES = {
    "active": ("active", bool),
    "title": ("title", str),
    "displayname": ("display_name", str),
    "externalid": ("external_id", str),
}


def apply_simple_patch(patch: Any, resource: ScimUser) -> bool | None:
    """Apply a PatchOp made only of add/replace on SIMPLE_ATTRIBUTES; whether it changed the
    resource, or None (nothing applied) when any operation is something else."""
    changes = []
    for operation in patch.operations or []:
        if str(getattr(operation.op, "value", operation.op)) not in ("add", "replace"):
            return None
        if operation.path is None:
            if not isinstance(operation.value, dict):
                return None
            items = list(operation.value.items())
        else:
            items = [(str(operation.path), operation.value)]
        for name, value in items:
            known = SIMPLE_ATTRIBUTES.get(str(name).lower())
            if known is None or not isinstance(value, known[1]) or value == "":
                return None
            if known[1] is str and isinstance(value, bool):
                return None
            changes.append((known[0], value))
    modified = False
    for field, value in changes:
        if getattr(resource, field) != value:
            setattr(resource, field, value)
            modified = True
    return modified


def dump(resource: Any, params: Any = None, context: Context | None = None) -> dict[str, Any]:
    """A resource as JSON, with only the attributes the request asked for (attributes=...)."""
    return resource.model_dump(
        scim_ctx=context or Context.RESOURCE_QUERY_RESPONSE, response_parameters=params
    )


def group_resource(group: ScimGroup, members: list[Person], base_url: str) -> Group:
    """A group and its members as a SCIM Group."""
    return Group(
        id=str(group.id),
        external_id=group.external_id,
        display_name=group.display_name,
        members=[
            GroupMember(
                value=str(p.id),
                ref=f"{base_url}/Users/{p.id}",  # type: ignore[arg-type]  # validated
                type="User",
            )
            for p in members
        ]
        or None,
        meta=Meta(
            resource_type="Group",
            created=group.created_at,
            last_modified=group.updated_at,
            location=f"{base_url}/Groups/{group.id}",
            version=version_of(group.updated_at),
        ),
    )


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value else ""


def full_name_of(resource: ScimUser) -> str:
    """displayName, else name.formatted, else given and family names, else the userName."""
    name = resource.name
    parts = [name.given_name, name.family_name] if name else []
    return (
        _text(resource.display_name)
        or _text(name.formatted if name else "")
        or _text(" ".join(p for p in parts if p))
        or _text(resource.user_name)
    )


def email_of(resource: ScimUser) -> str:
    """The address Charte writes to: the primary, else work, else first email; else the userName."""
    emails = [e for e in resource.emails or [] if e.value]
    preferred = sorted(emails, key=lambda e: (not e.primary, e.type != "work"))
    return str(preferred[0].value).strip() if preferred else (resource.user_name or "").strip()


def locale_of(resource: ScimUser, locales: list[str], default: str) -> str:
    """fr or en from preferredLanguage ("fr-FR") or locale; the default otherwise."""
    for raw in (resource.preferred_language, resource.locale):
        language = (raw or "").replace("_", "-").split("-")[0].lower()
        if language in locales:
            return language
    return default


def normalise_payload(data: Any, base_url: str) -> Any:
    """Fix what identity providers send that the schema refuses (Entra's string booleans in
    PATCH, capitalised operations, a manager given as a bare id, without its $ref)."""
    if not isinstance(data, dict):
        return data
    extension = data.get(ENTERPRISE)
    if isinstance(extension, dict):
        extension["manager"] = _manager(extension.get("manager"), base_url)
    operations = data.get("Operations")
    if isinstance(operations, list):
        data["Operations"] = [o for op in operations for o in _split_member_removal(op)]
    for operation in data.get("Operations") or []:
        if not isinstance(operation, dict):
            continue
        if isinstance(operation.get("op"), str):
            operation["op"] = operation["op"].lower()
        path = str(operation.get("path") or "")
        value = operation.get("value")
        if path.lower() == "active" and isinstance(value, str):
            operation["value"] = value.lower() == "true"
        if path.lower().endswith("manager") and operation["op"] != "remove":
            operation["value"] = _manager(value, base_url)
        if isinstance(value, dict):
            if isinstance(value.get("active"), str):
                value["active"] = value["active"].lower() == "true"
            for key in list(value):
                if key.lower() == f"{ENTERPRISE}:manager".lower():
                    value[key] = _manager(value[key], base_url)
                if isinstance(value.get(ENTERPRISE), dict) and "manager" in value[ENTERPRISE]:
                    value[ENTERPRISE]["manager"] = _manager(value[ENTERPRISE]["manager"], base_url)
    return data


def _split_member_removal(operation: Any) -> list[Any]:
    """Entra removes members with `path: members, value: [{value: id}]`: one filtered removal
    per member (`members[value eq "id"]`), which matches whatever else the member carries."""
    if not isinstance(operation, dict) or str(operation.get("op", "")).lower() != "remove":
        return [operation]
    value = operation.get("value")
    if str(operation.get("path", "")).lower() != "members" or not isinstance(value, list):
        return [operation]
    ids = [str(v.get("value")) for v in value if isinstance(v, dict) and v.get("value")]
    return [
        {"op": "remove", "path": f'members[value eq "{member.replace(chr(34), "")}"]'}
        for member in ids
    ] or [operation]


def _manager(value: Any, base_url: str) -> Any:
    if isinstance(value, str | int) and str(value):
        value = {"value": str(value)}
    if isinstance(value, dict):
        if not value.get("value"):
            return None
        value.setdefault("$ref", f"{base_url}/Users/{value['value']}")
    return value
