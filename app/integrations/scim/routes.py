"""The SCIM 2.0 service (RFC 7644) at /scim/v2: thin views over the users and groups services.

Authenticated like the REST API (a bearer API token, rate-limited per token, no CSRF: no
cookies), but only tokens holding the `scim` scope are accepted. Payloads are validated and
patches applied by scim2-models; filters are parsed by it too, and `eq` on the indexed
attributes (userName, externalId, id, displayName) runs in SQL.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g, request
from pydantic import ValidationError
from scim2_models import (
    Context,
    Group,
    PatchOp,
    SCIMException,
)

from app.database import writes_on_get
from app.extensions import csrf, db, limiter
from app.integrations import tokens
from app.integrations.scim import (
    bulk,
    discovery,
    groups,
    protocol,
    resources,
    sorting,
    user_writes,
    users,
)
from app.integrations.scim.resources import POLICY, ScimUser
from app.integrations.scim.users import ScimError
from app.models.user import ScimGroup, User

bp = Blueprint("scim", __name__)
csrf.exempt(bp)  # token authentication: no cookies, so no cross-site forgery
SCIM_SCOPE = "scim"


def _rate_key() -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "api-token:" + tokens.digest(header[7:].strip())
    return "api-ip:" + (request.remote_addr or "unknown")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


@bp.before_request
def authenticate() -> Any:
    """Every SCIM call needs `Authorization: Bearer <token>` of an active token with `scim`."""
    if "\x00" in request.path or "\x00" in request.query_string.decode(errors="replace"):
        return protocol.error(400, "NUL characters are not allowed.", "invalidValue")
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    caller = tokens.authenticate(value.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        return protocol.error(401, "Send a valid API token: Authorization: Bearer <token>.")
    if SCIM_SCOPE not in caller.scopes:
        return protocol.error(403, "This token does not hold the scim scope.")
    g.api_caller = caller
    return None


@bp.errorhandler(ScimError)
def scim_error(exc: ScimError):
    """Errors raised by the services."""
    db.session.rollback()
    return protocol.error(exc.status, exc.detail, exc.scim_type)


@bp.errorhandler(SCIMException)
def protocol_error(exc: SCIMException):
    """Errors scim2-models raises (a bad filter, a PATCH path that targets nothing...)."""
    db.session.rollback()
    err = exc.to_error()
    return protocol.error(int(err.status or 400), str(err.detail), err.scim_type)


@bp.errorhandler(ValidationError)
def invalid(exc: ValidationError):
    """A payload the schema refuses."""
    db.session.rollback()
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
    return protocol.error(400, detail or "The payload is not valid.", "invalidValue")


# ---- discovery ------------------------------------------------------------------------------


@bp.route("/ServiceProviderConfig", methods=["GET"])
@writes_on_get  # the token's last use may be noted
def service_provider_config():
    """What this service supports."""
    return protocol.answer(discovery.service_provider_config(protocol.base_url()))


@bp.route("/ResourceTypes", methods=["GET"])
@writes_on_get
def resource_types():
    """User and Group."""
    found = list(discovery.resource_types(protocol.base_url()).values())
    return protocol.plain_list(found)


@bp.route("/ResourceTypes/<name>", methods=["GET"])
@writes_on_get
def resource_type(name: str):
    """One resource type."""
    found = discovery.resource_types(protocol.base_url()).get(name)
    return protocol.answer(found) if found else protocol.error(404, "No such resource type.")


@bp.route("/Schemas", methods=["GET"])
@writes_on_get
def schemas():
    """The schemas this service uses."""
    return protocol.plain_list(list(discovery.schemas(protocol.base_url()).values()))


@bp.route("/Schemas/<urn>", methods=["GET"])
@writes_on_get
def schema(urn: str):
    """One schema."""
    found = discovery.schemas(protocol.base_url()).get(urn)
    return protocol.answer(found) if found else protocol.error(404, "No such schema.")


@bp.route("/.search", methods=["POST"])
def search_everything():
    """Searching several resource types at once is not offered (RFC 7644 §3.4.3): 501."""
    return protocol.error(501, "Search /Users/.search or /Groups/.search instead.")


# ---- users ----------------------------------------------------------------------------------


def _user_out(person: User, params: Any = None, context: Context | None = None) -> dict:
    return resources.dump(resources.user_resource(person, protocol.base_url()), params, context)


def _user_or_404(user_id: str) -> User:
    person = users.find(g.api_caller, user_id)
    if person is None:
        raise ScimError(404, "No user has this id.")
    return person


@bp.route("/Users", methods=["GET"])
@bp.route("/Users/.search", methods=["POST"])
@writes_on_get
def list_users():
    """Users by id, filtered (userName eq, externalId eq...), one page at a time."""
    args = protocol.listing_args()
    start, count = protocol.paging(args)
    params = protocol.response_params(ScimUser, args)
    sort = sorting.parse(ScimUser, args)
    order = sorting.order_by(sort, ScimUser)
    condition, matcher = protocol.condition(ScimUser, users.equality, args.get("filter"))
    if matcher is None and order is not None:
        total, page = users.search(g.api_caller, condition, start, count, order)
        return protocol.listing([_user_out(p, params) for p in page], total, start)
    # A filter or a sort SQL cannot run: done on the resources themselves, read in batches.
    matched = []
    offset = 1
    while True:
        _total, batch = users.search(g.api_caller, condition, offset, 500)
        if not batch:
            break
        for person in batch:
            res = resources.user_resource(person, protocol.base_url())
            if matcher is None or matcher.match(res):
                matched.append(res)
        offset += len(batch)
    matched = sorting.in_python(sort, matched)
    page_items = matched[start - 1 : start - 1 + count]
    return protocol.listing([resources.dump(r, params) for r in page_items], len(matched), start)


@bp.route("/Users", methods=["POST"])
def create_user():
    """Provision a person (409 when the userName is taken)."""
    resource = ScimUser.model_validate(
        protocol.payload(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    person, _created = user_writes.save(
        resource, None, caller=g.api_caller, client=protocol.client_info()
    )
    return protocol.answer(
        _user_out(person, protocol.response_params(ScimUser), Context.RESOURCE_CREATION_RESPONSE),
        201,
        resources.version_of(person.updated_at),
    )


@bp.route("/Users/<user_id>", methods=["GET"])
@writes_on_get
def get_user(user_id: str):
    """One person."""
    person = _user_or_404(user_id)
    etag = resources.version_of(person.updated_at)
    if request.headers.get("If-None-Match") == etag:
        return Response(status=304, headers={"ETag": etag})
    return protocol.answer(_user_out(person, protocol.response_params(ScimUser)), etag=etag)


@bp.route("/Users/<user_id>", methods=["PUT"])
def replace_user(user_id: str):
    """Replace a person's attributes."""
    person = _user_or_404(user_id)
    protocol.check_version(resources.version_of(person.updated_at))
    resource = ScimUser.model_validate(
        protocol.payload(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )
    person, _created = user_writes.save(
        resource, person, caller=g.api_caller, client=protocol.client_info()
    )
    return protocol.answer(
        _user_out(
            person, protocol.response_params(ScimUser), Context.RESOURCE_REPLACEMENT_RESPONSE
        ),
        etag=resources.version_of(person.updated_at),
    )


@bp.route("/Users/<user_id>", methods=["PATCH"])
def patch_user(user_id: str):
    """add / replace / remove operations, applied by scim2-models to the current resource."""
    person = _user_or_404(user_id)
    protocol.check_version(resources.version_of(person.updated_at))
    patch = PatchOp[ScimUser].model_validate(
        protocol.payload(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    resource = resources.user_resource(person, protocol.base_url())
    changed = resources.apply_simple_patch(patch, resource)
    if patch.patch(resource, POLICY) if changed is None else changed:
        person, _created = user_writes.save(
            resource, person, caller=g.api_caller, client=protocol.client_info(), whole=True
        )
    return protocol.answer(
        _user_out(person, protocol.response_params(ScimUser), Context.RESOURCE_PATCH_RESPONSE),
        etag=resources.version_of(person.updated_at),
    )


@bp.route("/Users/<user_id>", methods=["DELETE"])
def delete_user(user_id: str):
    """Deactivate the person as offboarding does; their records are kept, SCIM forgets them."""
    person = _user_or_404(user_id)
    protocol.check_version(resources.version_of(person.updated_at))
    users.remove(person, caller=g.api_caller, client=protocol.client_info())
    return Response(status=204)


# ---- groups ---------------------------------------------------------------------------------


def _group_out(group: ScimGroup, params: Any = None, context: Context | None = None) -> dict:
    resource = resources.group_resource(group, groups.members(group), protocol.base_url())
    return resources.dump(resource, params, context)


def _group_or_404(group_id: str) -> ScimGroup:
    group = groups.find(group_id)
    if group is None:
        raise ScimError(404, "No group has this id.")
    return group


def _save_group(group: ScimGroup | None, resource: Group) -> ScimGroup:
    return groups.save_resource(group, resource, caller=g.api_caller, client=protocol.client_info())


@bp.route("/Groups", methods=["GET"])
@bp.route("/Groups/.search", methods=["POST"])
@writes_on_get
def list_groups():
    """Groups by id, filtered (displayName eq, externalId eq), one page at a time."""
    args = protocol.listing_args()
    start, count = protocol.paging(args)
    params = protocol.response_params(Group, args)
    sort = sorting.parse(Group, args)
    order = sorting.order_by(sort, Group)
    condition, matcher = protocol.condition(Group, groups.equality, args.get("filter"))
    if matcher is None and order is not None:
        total, page = groups.search(condition, start, count, order)
        return protocol.listing([_group_out(gr, params) for gr in page], total, start)
    everything = [
        resources.group_resource(gr, groups.members(gr), protocol.base_url())
        for gr in groups.all_groups()
    ]
    matched = [r for r in everything if matcher is None or matcher.match(r)]
    matched = sorting.in_python(sort, matched)
    page_items = matched[start - 1 : start - 1 + count]
    return protocol.listing([resources.dump(r, params) for r in page_items], len(matched), start)


@bp.route("/Groups", methods=["POST"])
def create_group():
    """Create a group with its members."""
    resource = Group.model_validate(
        protocol.payload(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    group = _save_group(None, resource)
    return protocol.answer(
        _group_out(group, protocol.response_params(Group), Context.RESOURCE_CREATION_RESPONSE),
        201,
        resources.version_of(group.updated_at),
    )


@bp.route("/Groups/<group_id>", methods=["GET"])
@writes_on_get
def get_group(group_id: str):
    """One group."""
    group = _group_or_404(group_id)
    return protocol.answer(
        _group_out(group, protocol.response_params(Group)),
        etag=resources.version_of(group.updated_at),
    )


@bp.route("/Groups/<group_id>", methods=["PUT"])
def replace_group(group_id: str):
    """Replace the group's name and members."""
    group = _group_or_404(group_id)
    protocol.check_version(resources.version_of(group.updated_at))
    resource = Group.model_validate(
        protocol.payload(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )
    group = _save_group(group, resource)
    return protocol.answer(
        _group_out(group, protocol.response_params(Group), Context.RESOURCE_REPLACEMENT_RESPONSE),
        etag=resources.version_of(group.updated_at),
    )


@bp.route("/Groups/<group_id>", methods=["PATCH"])
def patch_group(group_id: str):
    """Add or remove members, rename: applied by scim2-models to the current group."""
    group = _group_or_404(group_id)
    protocol.check_version(resources.version_of(group.updated_at))
    patch = PatchOp[Group].model_validate(
        protocol.payload(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    resource = resources.group_resource(group, groups.members(group), protocol.base_url())
    if patch.patch(resource, POLICY):
        group = _save_group(group, resource)
    return protocol.answer(
        _group_out(group, protocol.response_params(Group), Context.RESOURCE_PATCH_RESPONSE),
        etag=resources.version_of(group.updated_at),
    )


@bp.route("/Groups/<group_id>", methods=["DELETE"])
def delete_group(group_id: str):
    """Delete the group (its members stay; a role it gave is taken back)."""
    group = _group_or_404(group_id)
    caller = g.api_caller
    groups.remove(
        group, actor=caller.actor(), client=protocol.client_info(), token_id=caller.token_id
    )
    return Response(status=204)


# ---- bulk -----------------------------------------------------------------------------------


@bp.route("/Bulk", methods=["POST"])
def bulk_request():
    """Many operations on Users and Groups (RFC 7644 §3.7); 413 beyond the advertised limits."""
    if (request.content_length or 0) > bulk.MAX_PAYLOAD_SIZE:
        raise ScimError(
            413, f"The bulk request is larger than maxPayloadSize ({bulk.MAX_PAYLOAD_SIZE} bytes)."
        )
    body = protocol.payload()
    return protocol.answer(
        bulk.run(
            body, caller=g.api_caller, client=protocol.client_info(), base_url=protocol.base_url()
        )
    )
