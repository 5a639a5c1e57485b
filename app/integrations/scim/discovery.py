"""What the SCIM service says about itself: ServiceProviderConfig, ResourceTypes, Schemas."""

from __future__ import annotations

from typing import Any

from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    Meta,
    Patch,
    Required,
    ResourceType,
    Schema,
    ServiceProviderConfig,
    Sort,
    User,
)

MAX_RESULTS = 1000
# What one bulk request may hold (RFC 7644 §3.7.4); bulk.py enforces them (413).
MAX_OPERATIONS = 1000
MAX_PAYLOAD_SIZE = 4 * 1024 * 1024
# The attributes Charte stores (resources.py says where): the others are accepted and ignored.
STORED: dict[Any, set[str]] = {
    User: {"userName", "displayName", "title", "active", "emails"},
    EnterpriseUser: {"department", "manager"},
}
REQUIRED: dict[Any, set[str]] = {User: {"displayName", "emails", "active"}}
# One address per person, and members by id: the other sub-attributes would not come back.
SUB_ATTRIBUTES: dict[tuple[Any, str], set[str]] = {
    (User, "emails"): {"value"},
    (EnterpriseUser, "manager"): {"value", "$ref"},
    (Group, "members"): {"value", "$ref", "type"},
}
DOCUMENTATION = "https://github.com/charte/charte#connect-entra-id-and-okta-scim"


def _dump(model: Any) -> dict[str, Any]:
    return model.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)


def service_provider_config(base_url: str) -> dict[str, Any]:
    """Filtering, PATCH, ETags, bulk and sorting supported; password changes not."""
    return _dump(
        ServiceProviderConfig(
            documentation_uri=DOCUMENTATION,  # type: ignore[arg-type]  # validated to a Reference
            patch=Patch(supported=True),
            bulk=Bulk(
                supported=True, max_operations=MAX_OPERATIONS, max_payload_size=MAX_PAYLOAD_SIZE
            ),
            filter=Filter(supported=True, max_results=MAX_RESULTS),
            change_password=ChangePassword(supported=False),
            sort=Sort(supported=True),
            etag=ETag(supported=True),
            authentication_schemes=[
                AuthenticationScheme(
                    type="oauthbearertoken",  # type: ignore[arg-type]  # validated to the enum
                    name="Bearer token",
                    description="An API token with the scim scope, issued on Admin > API tokens.",
                    primary=True,
                )
            ],
            meta=Meta(
                resource_type="ServiceProviderConfig",
                location=f"{base_url}/ServiceProviderConfig",
            ),
        )
    )


def resource_types(base_url: str) -> dict[str, dict[str, Any]]:
    """User (with the enterprise extension) and Group, by id."""
    found = {}
    for model in (User[EnterpriseUser], Group):
        described = ResourceType.from_resource(model)
        described.meta = Meta(
            resource_type="ResourceType", location=f"{base_url}/ResourceTypes/{described.id}"
        )
        found[str(described.id)] = _dump(described)
    return found


def schemas(base_url: str) -> dict[str, dict[str, Any]]:
    """The core User and Group schemas and the enterprise extension, by URN."""
    found = {}
    for model in (User, EnterpriseUser, Group):
        schema: Schema = model.to_schema()
        kept = STORED.get(model)
        if kept is not None:  # publish only what Charte keeps, so that what is sent comes back
            schema.attributes = [a for a in schema.attributes or [] if a.name in kept]
        for attribute in schema.attributes or []:
            # Charte always has a name, an address and an active flag for a person.
            if attribute.name in REQUIRED.get(model, ()):
                attribute.required = Required.true
            subs = SUB_ATTRIBUTES.get((model, str(attribute.name)))
            if subs is not None:
                attribute.sub_attributes = [
                    sub for sub in attribute.sub_attributes or [] if sub.name in subs
                ]
                for sub in attribute.sub_attributes:
                    if sub.name == "value":
                        sub.required = Required.true
        schema.meta = Meta(resource_type="Schema", location=f"{base_url}/Schemas/{schema.id}")
        found[str(schema.id)] = _dump(schema)
    return found
