"""One registry of API operations: each route declares its metadata and JSON schemas next to
itself, and the OpenAPI 3.1 document is generated from the registry, so it cannot drift.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, g

from app.database import writes_on_get
from app.integrations.api.problems import ApiProblem

API_PREFIX = "/api/v1"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
_RULE_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


@dataclass(frozen=True)
class Operation:
    """One documented route: method, path, scope and the shapes of what goes in and out."""

    rule: str
    method: str
    endpoint: str
    summary: str
    scope: str | None
    response: dict[str, Any]
    status: int = 200
    request: dict[str, Any] | None = None
    query: tuple[dict[str, Any], ...] = ()
    errors: tuple[int, ...] = ()
    public: bool = False
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def path(self) -> str:
        """The OpenAPI path: Flask's <name> placeholders become {name}."""
        return API_PREFIX + _RULE_PARAM.sub(r"{\1}", self.rule)


OPERATIONS: list[Operation] = []
SCHEMAS: dict[str, dict[str, Any]] = {}


def operation(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    scope: str | None,
    response: dict[str, Any],
    status: int = 200,
    request: dict[str, Any] | None = None,
    query: tuple[dict[str, Any], ...] = (),
    errors: tuple[int, ...] = (),
    public: bool = False,
    tag: str = "api",
) -> Callable:
    """Route a view under the API and record it; the wrapper enforces the token's scope."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not public:
                caller = g.api_caller
                if scope is not None and scope not in caller.scopes:
                    raise ApiProblem(403, f"This token lacks the scope {scope}.", scope=scope)
            return view(*args, **kwargs)

        # Every API call may write (last-used time, audit): SQLite takes its write lock up front.
        writes_on_get(wrapped)
        wrapped.charte_public_api = public
        bp.add_url_rule(rule, view_func=wrapped, methods=[method])
        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method.lower(),
                endpoint=f"{bp.name}.{view.__name__}",
                summary=summary,
                scope=scope,
                response=response,
                status=status,
                request=request,
                query=query,
                errors=errors,
                public=public,
                tags=(tag,),
            )
        )
        return wrapped

    return decorator


def _parameters(op: Operation) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in _RULE_PARAM.findall(op.rule)
    ]
    return params + [dict(q) for q in op.query]


def _responses(op: Operation) -> dict[str, Any]:
    problem = {"content": {"application/problem+json": {"schema": PROBLEM_REF}}}
    responses: dict[str, Any] = {
        str(op.status): {
            "description": op.summary,
            "content": {"application/json": {"schema": op.response}},
        }
    }
    codes = set(op.errors) | {400, 405, 429, 500}
    if not op.public:
        codes |= {401, 403}
    for code in sorted(codes):
        responses[str(code)] = {"description": "Problem details (RFC 9457)", **problem}
    return responses


def openapi_document(version: str = "1.0.0") -> dict[str, Any]:
    """The OpenAPI 3.1 document for every registered operation."""
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "operationId": op.endpoint.replace(".", "_"),
            "summary": op.summary,
            "tags": list(op.tags),
            "parameters": _parameters(op),
            "responses": _responses(op),
        }
        if op.request is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": op.request}},
            }
        if op.public:
            entry["security"] = []
        elif op.scope:
            entry["x-required-scope"] = op.scope
            entry["description"] = f"Requires the scope `{op.scope}`."
        paths.setdefault(op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Charte API",
            "version": version,
            "description": "Employees, training and policy status, image consent, certificates.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "chrt_…"}
            },
            "schemas": SCHEMAS,
        },
    }
