"""The SCIM 2.0 service (RFC 7644) at /scim/v2: thin views over the users and groups services.

Authenticated like the REST API (a bearer API token, rate-limited per token, no CSRF: no
cookies), but only tokens holding the `scim` scope are accepted. Payloads are validated and
patches applied by scim2-models; filters are parsed by it too, and `eq` on the indexed
attributes (userName, externalId, id, displayName) runs in SQL.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, g, request
from pydantic import ValidationError
from scim2_models import (
    Context,
    Error,
    Group,
    PatchOp,
    ResponseParameters,
    SCIMException,
    ScimFilter,
)
from scim2_models.path.expressions import Comparison

from app.core.client import ClientInfo
from app.database import writes_on_get
from app.extensions import csrf, db, limiter
from app.integrations import tokens
from app.integrations.scim import (
    bulk,
    discovery,
    groups,
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
MEDIA_TYPE = "application/scim+json"
DEFAULT_COUNT = 100


def _rate_key() -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "api-token:" + tokens.digest(header[7:].strip())
    return "api-ip:" + (request.remote_addr or "unknown")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


def base_url() -> str:
    """The service's absolute address, for locations and references."""
    return request.host_url.rstrip("/") + "/scim/v2"


def answer(body: Any, status: int = 200, etag: str | None = None) -> Response:
    """A SCIM JSON response."""
    response = Response(json.dumps(body, default=str), status=status, mimetype=MEDIA_TYPE)
    if etag:
        response.headers["ETag"] = etag
    return response


def error(status: int, detail: str, scim_type: str | None = None) -> Response:
    """A SCIM Error document (RFC 7644 §3.12)."""
    body = Error(status=status, detail=detail, scim_type=scim_type).model_dump()
    response = answer(body, status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="charte-scim"'
    return response


@bp.before_request
def authenticate() -> Any:
    """Every SCIM call needs `Authorization: Bearer <token>` of an active token with `scim`."""
    if "\x00" in request.path or "\x00" in request.query_string.decode(errors="replace"):
        return error(400, "NUL characters are not allowed.", "invalidValue")
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    caller = tokens.authenticate(value.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        return error(401, "Send a valid API token: Authorization: Bearer <token>.")
    if SCIM_SCOPE not in caller.scopes:
        return error(403, "This token does not hold the scim scope.")
    g.api_caller = caller
    return None


@bp.errorhandler(ScimError)
def scim_error(exc: ScimError):
    """Errors raised by the services."""
    db.session.rollback()
    return error(exc.status, exc.detail, exc.scim_type)


@bp.errorhandler(SCIMException)
def protocol_error(exc: SCIMException):
    """Errors scim2-models raises (a bad filter, a PATCH path that targets nothing...)."""
    db.session.rollback()
    err = exc.to_error()
    return error(int(err.status or 400), str(err.detail), err.scim_type)


@bp.errorhandler(ValidationError)
def invalid(exc: ValidationError):
    """A payload the schema refuses."""
    db.session.rollback()
    detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
    return error(400, detail or "The payload is not valid.", "invalidValue")


def _client() -> ClientInfo:
    caller = g.api_caller
    agent = f"scim-token:{caller.name}; {request.user_agent.string or ''}"
    return ClientInfo(ip=request.remote_addr, user_agent=agent[:512], auth_method="api_token")


def _body() -> Any:
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ScimError(400, "The body is not a JSON object.", "invalidSyntax")
    if "\\u0000" in request.get_data(as_text=True):
        raise ScimError(400, "NUL characters are not allowed.", "invalidValue")
    return resources.normalise_payload(data, base_url())


def _args() -> dict[str, Any]:
    """The query parameters of a listing: from the query string, or a POST .search body."""
    if request.method == "POST":
        body = _body()
        return {k: body[k] for k in PARAMETERS if body.get(k) is not None}
    return {k: request.args[k] for k in PARAMETERS if request.args.get(k)}


PARAMETERS = (
    "filter",
    "startIndex",
    "count",
    "attributes",
    "excludedAttributes",
    "sortBy",
    "sortOrder",
)


def _params(model: Any, args: dict[str, Any] | None = None) -> Any:
    """attributes / excludedAttributes, as scim2-models reads them."""
    args = (
        args
        if args is not None
        else {
            k: request.args[k] for k in ("attributes", "excludedAttributes") if request.args.get(k)
        }
    )
    values = {k: args[k] for k in ("attributes", "excludedAttributes") if args.get(k)}
    if not values:
        return None
    return ResponseParameters[model].model_validate(values)  # type: ignore[index]


def _paging(args: dict[str, Any]) -> tuple[int, int]:
    try:
        start = max(1, int(args.get("startIndex", 1)))
        count = max(0, int(args.get("count", DEFAULT_COUNT)))
    except (TypeError, ValueError):
        raise ScimError(400, "startIndex and count are integers.", "invalidValue") from None
    return start, min(count, discovery.MAX_RESULTS)


def _check_version(current: str) -> None:
    """If-Match: refuse to change a resource someone else changed meanwhile (412)."""
    wanted = request.headers.get("If-Match")
    if wanted and wanted.strip() != "*" and current not in [v.strip() for v in wanted.split(",")]:
        raise ScimError(412, "The resource changed since this version.")


def _condition(model: Any, translate, text: str | None) -> tuple[Any, ScimFilter | None]:
    """(SQL condition, None) for `attr eq value`; (None, filter) to match in Python otherwise."""
    if not text:
        return None, None
    parsed = ScimFilter[model](text)  # type: ignore[index]
    node = parsed.ast
    if isinstance(node, Comparison) and node.op.value == "eq":
        attribute = node.attr_path.attr
        if node.attr_path.sub_attr:
            attribute += "." + node.attr_path.sub_attr
        condition = translate(attribute, node.value)
        if condition is not None:
            return condition, None
    return None, parsed


def _listing(items: list[dict[str, Any]], total: int, start: int) -> Response:
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(items),
        "Resources": items,
    }
    return answer(body)


# ---- discovery ------------------------------------------------------------------------------


@bp.route("/ServiceProviderConfig", methods=["GET"])
@writes_on_get  # the token's last use may be noted
def service_provider_config():
    """What this service supports."""
    return answer(discovery.service_provider_config(base_url()))


@bp.route("/ResourceTypes", methods=["GET"])
@writes_on_get
def resource_types():
    """User and Group."""
    found = list(discovery.resource_types(base_url()).values())
    return _plain_list(found)


@bp.route("/ResourceTypes/<name>", methods=["GET"])
@writes_on_get
def resource_type(name: str):
    """One resource type."""
    found = discovery.resource_types(base_url()).get(name)
    return answer(found) if found else error(404, "No such resource type.")


@bp.route("/Schemas", methods=["GET"])
@writes_on_get
def schemas():
    """The schemas this service uses."""
    return _plain_list(list(discovery.schemas(base_url()).values()))


@bp.route("/Schemas/<urn>", methods=["GET"])
@writes_on_get
def schema(urn: str):
    """One schema."""
    found = discovery.schemas(base_url()).get(urn)
    return answer(found) if found else error(404, "No such schema.")


def _plain_list(found: list[dict[str, Any]]) -> Response:
    return answer(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(found),
            "startIndex": 1,
            "itemsPerPage": len(found),
            "Resources": found,
        }
    )


@bp.route("/.search", methods=["POST"])
def search_everything():
    """Searching several resource types at once is not offered (RFC 7644 §3.4.3): 501."""
    return error(501, "Search /Users/.search or /Groups/.search instead.")


# ---- users ----------------------------------------------------------------------------------


def _user_out(person: User, params: Any = None, context: Context | None = None) -> dict:
    return resources.dump(resources.user_resource(person, base_url()), params, context)


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
    args = _args()
    start, count = _paging(args)
    params = _params(ScimUser, args)
    sort = sorting.parse(ScimUser, args)
    order = sorting.order_by(sort, ScimUser)
    condition, matcher = _condition(ScimUser, users.equality, args.get("filter"))
    if matcher is None and order is not None:
        total, page = users.search(g.api_caller, condition, start, count, order)
        return _listing([_user_out(p, params) for p in page], total, start)
    # A filter or a sort SQL cannot run: done on the resources themselves, read in batches.
    matched = []
    offset = 1
    while True:
        _total, batch = users.search(g.api_caller, condition, offset, 500)
        if not batch:
            break
        for person in batch:
            res = resources.user_resource(person, base_url())
            if matcher is None or matcher.match(res):
                matched.append(res)
        offset += len(batch)
    matched = sorting.in_python(sort, matched)
    page_items = matched[start - 1 : start - 1 + count]
    return _listing([resources.dump(r, params) for r in page_items], len(matched), start)


@bp.route("/Users", methods=["POST"])
def create_user():
    """Provision a person (409 when the userName is taken)."""
    resource = ScimUser.model_validate(
        _body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    person, _created = user_writes.save(resource, None, caller=g.api_caller, client=_client())
    return answer(
        _user_out(person, _params(ScimUser), Context.RESOURCE_CREATION_RESPONSE),
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
    return answer(_user_out(person, _params(ScimUser)), etag=etag)


@bp.route("/Users/<user_id>", methods=["PUT"])
def replace_user(user_id: str):
    """Replace a person's attributes."""
    person = _user_or_404(user_id)
    _check_version(resources.version_of(person.updated_at))
    resource = ScimUser.model_validate(
        _body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )
    person, _created = user_writes.save(resource, person, caller=g.api_caller, client=_client())
    return answer(
        _user_out(person, _params(ScimUser), Context.RESOURCE_REPLACEMENT_RESPONSE),
        etag=resources.version_of(person.updated_at),
    )


@bp.route("/Users/<user_id>", methods=["PATCH"])
def patch_user(user_id: str):
    """add / replace / remove operations, applied by scim2-models to the current resource."""
    person = _user_or_404(user_id)
    _check_version(resources.version_of(person.updated_at))
    patch = PatchOp[ScimUser].model_validate(
        _body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    resource = resources.user_resource(person, base_url())
    changed = resources.apply_simple_patch(patch, resource)
    if patch.patch(resource, POLICY) if changed is None else changed:
        person, _created = user_writes.save(
            resource, person, caller=g.api_caller, client=_client(), whole=True
        )
    return answer(
        _user_out(person, _params(ScimUser), Context.RESOURCE_PATCH_RESPONSE),
        etag=resources.version_of(person.updated_at),
    )


@bp.route("/Users/<user_id>", methods=["DELETE"])
def delete_user(user_id: str):
    """Deactivate the person as offboarding does; their records are kept, SCIM forgets them."""
    person = _user_or_404(user_id)
    _check_version(resources.version_of(person.updated_at))
    users.remove(person, caller=g.api_caller, client=_client())
    return Response(status=204)


# ---- groups ---------------------------------------------------------------------------------


def _group_out(group: ScimGroup, params: Any = None, context: Context | None = None) -> dict:
    resource = resources.group_resource(group, groups.members(group), base_url())
    return resources.dump(resource, params, context)


def _group_or_404(group_id: str) -> ScimGroup:
    group = groups.find(group_id)
    if group is None:
        raise ScimError(404, "No group has this id.")
    return group


def _save_group(group: ScimGroup | None, resource: Group) -> ScimGroup:
    return groups.save_resource(group, resource, caller=g.api_caller, client=_client())


@bp.route("/Groups", methods=["GET"])
@bp.route("/Groups/.search", methods=["POST"])
@writes_on_get
def list_groups():
    """Groups by id, filtered (displayName eq, externalId eq), one page at a time."""
    args = _args()
    start, count = _paging(args)
    params = _params(Group, args)
    sort = sorting.parse(Group, args)
    order = sorting.order_by(sort, Group)
    condition, matcher = _condition(Group, groups.equality, args.get("filter"))
    if matcher is None and order is not None:
        total, page = groups.search(condition, start, count, order)
        return _listing([_group_out(gr, params) for gr in page], total, start)
    everything = [
        resources.group_resource(gr, groups.members(gr), base_url()) for gr in groups.all_groups()
    ]
    matched = [r for r in everything if matcher is None or matcher.match(r)]
    matched = sorting.in_python(sort, matched)
    page_items = matched[start - 1 : start - 1 + count]
    return _listing([resources.dump(r, params) for r in page_items], len(matched), start)


@bp.route("/Groups", methods=["POST"])
def create_group():
    """Create a group with its members."""
    resource = Group.model_validate(
        _body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    group = _save_group(None, resource)
    return answer(
        _group_out(group, _params(Group), Context.RESOURCE_CREATION_RESPONSE),
        201,
        resources.version_of(group.updated_at),
    )


@bp.route("/Groups/<group_id>", methods=["GET"])
@writes_on_get
def get_group(group_id: str):
    """One group."""
    group = _group_or_404(group_id)
    return answer(_group_out(group, _params(Group)), etag=resources.version_of(group.updated_at))


@bp.route("/Groups/<group_id>", methods=["PUT"])
def replace_group(group_id: str):
    """Replace the group's name and members."""
    group = _group_or_404(group_id)
    _check_version(resources.version_of(group.updated_at))
    resource = Group.model_validate(
        _body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )
    group = _save_group(group, resource)
    return answer(
        _group_out(group, _params(Group), Context.RESOURCE_REPLACEMENT_RESPONSE),
        etag=resources.version_of(group.updated_at),
    )


@bp.route("/Groups/<group_id>", methods=["PATCH"])
def patch_group(group_id: str):
    """Add or remove members, rename: applied by scim2-models to the current group."""
    group = _group_or_404(group_id)
    _check_version(resources.version_of(group.updated_at))
    patch = PatchOp[Group].model_validate(
        _body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    resource = resources.group_resource(group, groups.members(group), base_url())
    if patch.patch(resource, POLICY):
        group = _save_group(group, resource)
    return answer(
        _group_out(group, _params(Group), Context.RESOURCE_PATCH_RESPONSE),
        etag=resources.version_of(group.updated_at),
    )


@bp.route("/Groups/<group_id>", methods=["DELETE"])
def delete_group(group_id: str):
    """Delete the group (its members stay; a role it gave is taken back)."""
    group = _group_or_404(group_id)
    caller = g.api_caller
    groups.remove(group, actor=caller.actor(), client=_client(), token_id=caller.token_id)
    return Response(status=204)


# ---- bulk -----------------------------------------------------------------------------------


@bp.route("/Bulk", methods=["POST"])
def bulk_request():
    """Many operations on Users and Groups (RFC 7644 §3.7); 413 beyond the advertised limits."""
    if (request.content_length or 0) > bulk.MAX_PAYLOAD_SIZE:
        raise ScimError(
            413, f"The bulk request is larger than maxPayloadSize ({bulk.MAX_PAYLOAD_SIZE} bytes)."
        )
    body = _body()
    return answer(bulk.run(body, caller=g.api_caller, client=_client(), base_url=base_url()))
