"""The HTTP side of the SCIM service shared by its views: SCIM responses and error documents,
the request's body and listing parameters (RFC 7644 §3.4.2), If-Match, and filters turned into
SQL where Charte can. View helpers: they read the request, never the database.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, request
from scim2_models import Error, ResponseParameters, ScimFilter
from scim2_models.path.expressions import Comparison

from app.core.client import ClientInfo
from app.integrations.scim import discovery, resources
from app.integrations.scim.users import ScimError

MEDIA_TYPE = "application/scim+json"
DEFAULT_COUNT = 100


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


def client_info() -> ClientInfo:
    """Who calls, for the audit: the address and the token's name with the user agent."""
    caller = g.api_caller
    agent = f"scim-token:{caller.name}; {request.user_agent.string or ''}"
    return ClientInfo(ip=request.remote_addr, user_agent=agent[:512], auth_method="api_token")


def payload() -> Any:
    """The request's JSON object, with what identity providers send fixed (resources.py)."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise ScimError(400, "The body is not a JSON object.", "invalidSyntax")
    if "\\u0000" in request.get_data(as_text=True):
        raise ScimError(400, "NUL characters are not allowed.", "invalidValue")
    return resources.normalise_payload(data, base_url())


def listing_args() -> dict[str, Any]:
    """The query parameters of a listing: from the query string, or a POST .search body."""
    if request.method == "POST":
        body = payload()
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


def response_params(model: Any, args: dict[str, Any] | None = None) -> Any:
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


def paging(args: dict[str, Any]) -> tuple[int, int]:
    """(startIndex, count) of a listing, count capped at the advertised maximum."""
    try:
        start = max(1, int(args.get("startIndex", 1)))
        count = max(0, int(args.get("count", DEFAULT_COUNT)))
    except (TypeError, ValueError):
        raise ScimError(400, "startIndex and count are integers.", "invalidValue") from None
    return start, min(count, discovery.MAX_RESULTS)


def check_version(current: str) -> None:
    """If-Match: refuse to change a resource someone else changed meanwhile (412)."""
    wanted = request.headers.get("If-Match")
    if wanted and wanted.strip() != "*" and current not in [v.strip() for v in wanted.split(",")]:
        raise ScimError(412, "The resource changed since this version.")


def condition(model: Any, translate, text: str | None) -> tuple[Any, ScimFilter | None]:
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


def listing(items: list[dict[str, Any]], total: int, start: int) -> Response:
    """One page of resources as a ListResponse."""
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(items),
        "Resources": items,
    }
    return answer(body)


def plain_list(found: list[dict[str, Any]]) -> Response:
    """Every item in one ListResponse (discovery documents)."""
    return answer(
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": len(found),
            "startIndex": 1,
            "itemsPerPage": len(found),
            "Resources": found,
        }
    )
