"""sortBy / sortOrder on Users and Groups lists (RFC 7644 §3.4.2.3).

scim2-models reads and checks the parameters (SearchRequest: an attribute the schema does not
have, or a sortOrder other than ascending/descending, is a 400) and resolves the attribute. The
attributes Charte stores in a column are sorted in SQL, case-insensitively like SCIM strings,
missing values last when ascending and first when descending, ties by id; any other attribute
is sorted by scim2-models on the resources themselves.
"""

from __future__ import annotations

from typing import Any

from scim2_models import SearchRequest
from sqlalchemy import func

from app.integrations.scim.resources import ScimUser
from app.models.user import ScimGroup, User

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User:"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:"
CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group:"


def _text(column: Any) -> Any:
    """A string column as SCIM compares it: without case, an empty value as missing."""
    return func.lower(func.nullif(column, ""))


USER_COLUMNS: dict[str, Any] = {
    CORE_USER + "id": User.id,
    CORE_USER + "userName": func.lower(func.coalesce(User.directory_user_name, User.email)),
    CORE_USER + "displayName": _text(User.full_name),
    CORE_USER + "externalId": User.external_id,
    CORE_USER + "emails.value": func.lower(User.email),
    CORE_USER + "title": _text(User.job_title),
    CORE_USER + "active": User.active,
    CORE_USER + "meta.created": User.created_at,
    CORE_USER + "meta.lastModified": User.updated_at,
    ENTERPRISE + "department": _text(User.department),
}
GROUP_COLUMNS: dict[str, Any] = {
    CORE_GROUP + "id": ScimGroup.id,
    CORE_GROUP + "displayName": func.lower(ScimGroup.display_name),
    CORE_GROUP + "externalId": ScimGroup.external_id,
    CORE_GROUP + "meta.created": ScimGroup.created_at,
    CORE_GROUP + "meta.lastModified": ScimGroup.updated_at,
}


def parse(model: Any, args: dict[str, Any]) -> Any:
    """The SearchRequest holding sortBy and sortOrder, or None when the list is not sorted.

    Raises pydantic's ValidationError (answered 400) for an attribute the schema lacks or an
    unknown order.
    """
    values = {k: args[k] for k in ("sortBy", "sortOrder") if args.get(k)}
    if "sortBy" not in values:
        return None
    return SearchRequest[model].model_validate(values)  # type: ignore[index]


def order_by(request: Any, model: Any) -> list[Any] | None:
    """SQL ORDER BY clauses for a parsed request (id alone without one); None when the
    attribute has no column and the resources must be sorted by scim2-models."""
    key_column = User.id if model is ScimUser else ScimGroup.id
    if request is None:
        return [key_column]
    binding = request.sort_binding(model)
    columns = USER_COLUMNS if model is ScimUser else GROUP_COLUMNS
    column = columns.get(binding.urn) if binding is not None else None
    if column is None:
        return None
    descending = request.sort_order == SearchRequest.SortOrder.descending
    ordered = column.desc().nulls_first() if descending else column.asc().nulls_last()
    return [ordered, key_column]


def in_python(request: Any, resources: list[Any]) -> list[Any]:
    """Resources ordered by scim2-models (attributes without a column)."""
    return request.sort(resources) if request is not None else resources
