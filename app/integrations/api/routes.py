"""The REST API (JSON, /api/v1): thin views over the services, each declared in the registry."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from sqlalchemy import select

from app.certificates import register as certificate_register
from app.consent import publication
from app.consent.assets import publishing, register
from app.core.client import ClientInfo
from app.core.codes import normalise_code
from app.evidence import verification
from app.extensions import csrf, db, limiter
from app.integrations import employee_sync, tokens
from app.integrations.api.problems import ApiProblem, problem
from app.integrations.api.registry import SCHEMAS, openapi_document, operation
from app.integrations.api.schemas import CURSOR_QUERY, page_of, ref
from app.integrations.employee_status import employee_json, iso, overdue_page, status_of
from app.models.consent import ConsentPurpose
from app.models.types import utcnow
from app.models.user import Role, User
from app.people import accounts

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # token authentication: no cookies, so no cross-site forgery


def _rate_key() -> str:
    """Rate limits count per token (its hash), else per address."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return "api-token:" + tokens.digest(header[7:].strip())
    return "api-ip:" + (request.remote_addr or "unknown")


limiter.limit(lambda: current_app.config["API_RATE_LIMIT"], key_func=_rate_key)(bp)


@bp.before_request
def authenticate() -> Any:
    """Every route but the document needs `Authorization: Bearer <token>` of an active token."""
    query = "".join(k + v for k, v in request.args.items(multi=True))
    if "\x00" in request.path or "\x00" in query:
        return problem(400, "NUL characters are not allowed.")  # no database stores them
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or getattr(view, "charte_public_api", False):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    caller = tokens.authenticate(value.strip()) if scheme.lower() == "bearer" else None
    if caller is None:
        return problem(401, "Send a valid API token: Authorization: Bearer <token>.")
    g.api_caller = caller
    return None


@bp.errorhandler(ApiProblem)
def api_problem(exc: ApiProblem):
    """Problems raised by the views."""
    db.session.rollback()
    return problem(exc.status, exc.detail, **exc.extra)


def _client() -> ClientInfo:
    caller = g.api_caller
    agent = f"api-token:{caller.name}; {request.user_agent.string or ''}"
    return ClientInfo(ip=request.remote_addr, user_agent=agent[:512], auth_method="api_token")


def _body(kind: type) -> Any:
    if not request.is_json:
        raise ApiProblem(415, "Send a JSON body with Content-Type: application/json.")
    data = request.get_json(silent=True)
    if not isinstance(data, kind):
        raise ApiProblem(400, "The body is not the JSON expected.")
    if "\\u0000" in request.get_data(as_text=True):
        raise ApiProblem(400, "NUL characters are not allowed.")  # no database stores them
    return data


def _page_args() -> tuple[int, int]:
    raw_limit = request.args.get("limit", "50")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 200:
        raise ApiProblem(400, "limit must be an integer from 1 to 200.")
    cursor = request.args.get("cursor")
    if not cursor:
        return 0, int(raw_limit)
    try:
        after = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"==="))["after"]
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise ApiProblem(400, "The cursor is not one this API gave.") from None
    if not isinstance(after, int) or after < 0:
        raise ApiProblem(400, "The cursor is not one this API gave.")
    return after, int(raw_limit)


def _cursor(after: int | None) -> str | None:
    """An opaque cursor: the last id seen, base64url-encoded."""
    if after is None:
        return None
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode().rstrip("=")


def _employee_or_404(key: str) -> User:
    # Accounts above the employee role are invisible (404) to a token without employees:admin.
    user = employee_sync.find(key, reach_privileged=g.api_caller.reaches_privileged)
    if user is None:
        raise ApiProblem(404, "No employee has this email or external id.")
    return user


@operation(bp, "/openapi.json", "GET", summary="This OpenAPI document", scope=None,
           response={"type": "object"}, public=True, tag="meta")  # fmt: skip
def openapi():
    """The OpenAPI 3.1 document, generated from the routes' declarations."""
    return jsonify(openapi_document())


@operation(bp, "/employees", "GET", summary="List employees", scope="employees:read",
           response=page_of("Employee"), query=CURSOR_QUERY, tag="employees")  # fmt: skip
def list_employees():
    """Employees by id, one page at a time."""
    after, limit = _page_args()
    query = select(User).where(User.id > after)
    if not g.api_caller.reaches_privileged:
        query = query.where(User.role == Role.EMPLOYEE.value)
    users = list(db.session.scalars(query.order_by(User.id).limit(limit + 1)))
    more = len(users) > limit
    users = users[:limit]
    return jsonify(
        data=[employee_json(u) for u in users],
        next_cursor=_cursor(users[-1].id if more else None),
    )


@operation(bp, "/employees/<key>", "GET", summary="Read one employee (by email or external id)",
           scope="employees:read", response=ref("Employee"), errors=(404,), tag="employees")  # fmt: skip
def get_employee(key: str):
    """One employee."""
    return jsonify(employee_json(_employee_or_404(key)))


@operation(bp, "/employees/<key>", "PUT", summary="Create or update one employee",
           scope="employees:write", request=ref("EmployeeInput"), response=ref("UpsertResult"),
           errors=(409, 415, 422), tag="employees")  # fmt: skip
def put_employee(key: str):
    """Upsert one employee named by email (has an @) or external id; idempotent."""
    item = dict(_body(dict))
    name = "email" if "@" in key else "external_id"
    if item.get(name) not in (None, key):
        raise ApiProblem(422, f"The {name} in the body differs from the one in the path.")
    item[name] = key
    result = employee_sync.upsert(
        [item],
        actor=g.api_caller.actor(),
        client=_client(),
        source=str(g.api_caller.token_id),
        reach_privileged=g.api_caller.reaches_privileged,
    )
    if result.forbidden:
        raise ApiProblem(403, "This person is not an employee: the token needs employees:admin.")
    if result.errors:
        raise ApiProblem(422, "The employee was not saved.", errors=result.errors)
    user = employee_sync.find(result.outcomes[0]["email"])
    return jsonify(result=result.outcomes[0]["result"], employee=employee_json(user))


@operation(bp, "/employees:batch", "POST", summary="Create or update many employees, all or none",
           scope="employees:write", response=ref("BatchResult"), errors=(413, 415, 422),
           request={"type": "object", "required": ["employees"], "additionalProperties": False,
                    "properties": {"employees": {"type": "array", "minItems": 1, "maxItems": 10000,
                                                 "items": ref("EmployeeInput")}}},
           tag="employees")  # fmt: skip
def batch_employees():
    """Upsert a batch atomically: one bad row and nothing is written (422 lists every error)."""
    body = _body(dict)
    result = employee_sync.upsert(
        body.get("employees"),
        actor=g.api_caller.actor(),
        client=_client(),
        source=str(g.api_caller.token_id),
        reach_privileged=g.api_caller.reaches_privileged,
    )
    if result.errors:
        raise ApiProblem(422, "Nothing was saved: correct every error.", errors=result.errors)
    return jsonify(
        created=result.count("created"),
        updated=result.count("updated"),
        unchanged=result.count("unchanged"),
        results=result.outcomes,
    )


@operation(bp, "/employees/<key>/deactivate", "POST", summary="Deactivate an employee",
           scope="employees:write", response=ref("Employee"), errors=(404, 409), tag="employees")  # fmt: skip
def deactivate_employee(key: str):
    """Sign-in refused and sessions ended; nothing the person signed is touched. Idempotent."""
    user = _employee_or_404(key)
    try:
        accounts.set_active(
            user,
            False,
            actor=g.api_caller.actor(),
            client=_client(),
            details={"api_token_id": g.api_caller.token_id},
        )
    except accounts.AccountError as exc:
        raise ApiProblem(409, str(exc)) from exc
    return jsonify(employee_json(user))


@operation(bp, "/employees/<key>/status", "GET", summary="Training, policy and consent status",
           scope="status:read", response=ref("EmployeeStatus"), errors=(404,), tag="status")  # fmt: skip
def employee_status(key: str):
    """Where one person stands; consent states only for tokens holding consents:read."""
    user = _employee_or_404(key)
    with_consents = "consents:read" in g.api_caller.scopes
    return jsonify(status_of(user, utcnow().date(), with_consents))


@operation(bp, "/overdue", "GET", summary="Active employees with something overdue",
           scope="status:read", response=page_of("Overdue"), query=CURSOR_QUERY, tag="status")  # fmt: skip
def overdue():
    """People late with their programme or the policy, by id."""
    after, limit = _page_args()
    rows, last = overdue_page(
        utcnow().date(), after, limit, employees_only=not g.api_caller.reaches_privileged
    )
    return jsonify(data=rows, next_cursor=_cursor(last))


@operation(bp, "/consents/check", "POST", summary="May these people appear in this publication?",
           scope="consents:check", request=ref("ConsentCheckInput"), response=ref("ConsentCheck"),
           errors=(415, 422), tag="consents")  # fmt: skip
def consent_check():
    """The publication check, recorded exactly as the page records it."""
    body = _body(dict)
    people_keys = body.get("people")
    if not isinstance(people_keys, list) or not all(isinstance(k, str) for k in people_keys):
        raise ApiProblem(422, "people must be a list of emails or external ids.")
    if len(people_keys) > 500:
        raise ApiProblem(422, "At most 500 people per check.")
    slug, medium, reference = body.get("purpose"), body.get("medium"), body.get("reference")
    if not all(isinstance(v, str) for v in (slug, medium, reference)):
        raise ApiProblem(422, "purpose, medium and reference are required strings.")
    purpose = db.session.scalar(select(ConsentPurpose).where(ConsentPurpose.slug == slug))
    if purpose is None:
        raise ApiProblem(422, "Unknown purpose.", errors=[{"field": "purpose", "value": slug}])
    people, unknown = employee_sync.resolve(
        people_keys, reach_privileged=g.api_caller.reaches_privileged
    )
    if unknown:
        raise ApiProblem(422, "Unknown people.", errors=[{"field": "people", "unknown": unknown}])
    try:
        done = publication.run_check(
            purpose, medium, people, reference, actor=g.api_caller.actor(), client=_client()
        )
    except publication.CheckError as exc:
        raise ApiProblem(422, str(exc)) from exc
    found = publication.get_check(done.id)
    return jsonify(
        check_id=found.id,
        purpose=purpose.slug,
        medium=found.medium,
        reference=found.reference,
        checked_at=iso(found.checked_at),
        results=[
            {
                "email": p.user.email,
                "external_id": p.user.external_id,
                "allowed": p.allowed,
                "state": p.state,
                "valid_until": iso(p.valid_until),
            }
            for p in found.people
        ],
    )


@operation(bp, "/certificates", "GET", summary="List certificates", scope="certificates:read",
           response=page_of("Certificate"), query=CURSOR_QUERY, tag="certificates")  # fmt: skip
def certificates():
    """Certificates by id."""
    after, limit = _page_args()
    records = certificate_register.records_after(
        after, limit + 1, employees_only=not g.api_caller.reaches_privileged
    )
    more = len(records) > limit
    records = records[:limit]
    data = [
        {
            "id": r.id,
            "code": r.code,
            "employee_email": r.employee_email,
            "employee_external_id": r.employee_external_id,
            "title": r.title,
            "status": r.status,
            "issued_at": iso(r.issued_at),
            "revoked_at": iso(r.revoked_at),
        }
        for r in records
    ]
    return jsonify(data=data, next_cursor=_cursor(records[-1].id if more else None))


@operation(bp, "/verify/<code>", "GET", summary="Verify a receipt or certificate code",
           scope=None, response=ref("Verification"), errors=(404,), tag="certificates")  # fmt: skip
def verify(code: str):
    """What the public verification page says about a code, as JSON."""
    result = verification.verify(code)
    if result is None:
        raise ApiProblem(404, "No document has this code.")
    return jsonify(
        code=normalise_code(code),
        kind=result.kind,
        status=result.status,
        holder_name=result.holder_name,
        title=str(result.title),
        issued_at=iso(result.issued_at),
        status_since=result.status_since.isoformat() if result.status_since else None,
        details=json.loads(json.dumps(result.details, default=str)),
    )


# ---- the asset register (consents:check) ----

SCHEMAS.update(
    {
        "Asset": {
            "type": "object",
            "required": ["id", "title", "medium", "source", "people", "publications"],
            "properties": {
                "id": {"type": "integer"},
                "title": {"type": "string"},
                "medium": {"type": "string", "enum": ["photo", "video"]},
                "source": {"type": "string", "enum": ["upload", "external"]},
                "external_ref": {"type": ["string", "null"]},
                "taken_on": {"type": ["string", "null"], "format": "date"},
                "place": {"type": "string"},
                "photographer": {"type": "string"},
                "people": {"type": "array", "items": {"type": "object"}},
                "publications": {"type": "array", "items": {"type": "object"}},
            },
        },
        "AssetPublishability": {
            "type": "object",
            "required": ["asset_id", "purpose", "medium", "date", "publishable", "people"],
            "properties": {
                "asset_id": {"type": "integer"},
                "purpose": {"type": "string"},
                "medium": {"type": "string"},
                "date": {"type": "string", "format": "date"},
                "publishable": {"type": "boolean"},
                "people": {"type": "array", "items": {"type": "object"}},
            },
        },
    }
)
PUBLISHABILITY_QUERY = (
    {"name": "purpose", "in": "query", "required": True, "schema": {"type": "string"}},
    {
        "name": "date",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "format": "date"},
    },
)


def _visible(person: User) -> bool:
    # As everywhere in the API: HR staff, auditors and admins only for employees:admin tokens.
    return g.api_caller.reaches_privileged or person.role == Role.EMPLOYEE


def _person(person: User) -> dict[str, Any]:
    return {"id": person.id, "email": person.email, "external_id": person.external_id}


@operation(bp, "/assets", "GET", summary="List the asset register", scope="consents:check",
           response=page_of("Asset"), query=CURSOR_QUERY, tag="consents")  # fmt: skip
def assets():
    """Photos and videos by id, with the people tagged in them and where they are published."""
    after, limit = _page_args()
    rows = register.assets_after(after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    people = register.people_of([a.id for a in rows])
    pubs: dict[int, list] = {}
    for pub in publishing.publications_of([a.id for a in rows]):
        pubs.setdefault(pub.asset_id, []).append(pub)
    data = [
        {
            "id": a.id,
            "title": a.title,
            "medium": a.medium,
            "source": a.source,
            "external_ref": a.external_ref,
            "taken_on": a.taken_on.isoformat() if a.taken_on else None,
            "place": a.place,
            "photographer": a.photographer,
            "people": [_person(p) for p in people.get(a.id, []) if _visible(p)],
            "publications": [
                {
                    "id": p.id,
                    "channel": p.channel,
                    "location": p.location,
                    "published_on": p.published_on.isoformat(),
                    "check_id": p.check_id,
                    "override": p.override_reason is not None,
                    "recorded_at": iso(p.recorded_at),
                }
                for p in pubs.get(a.id, [])
            ],
        }
        for a in rows
    ]
    return jsonify(data=data, next_cursor=_cursor(rows[-1].id if more else None))


@operation(bp, "/assets/<int:asset_id>/publishability", "GET",
           summary="May this asset be published for this purpose on this day?",
           scope="consents:check", response=ref("AssetPublishability"),
           query=PUBLISHABILITY_QUERY, errors=(404, 422), tag="consents")  # fmt: skip
def asset_publishability(asset_id: int):
    """Per person, the publication check's answer (nothing is recorded: a publication is)."""
    asset = register.get(asset_id)
    if asset is None:
        raise ApiProblem(404, "No asset has this id.")
    slug = request.args.get("purpose", "")
    purpose = db.session.scalar(select(ConsentPurpose).where(ConsentPurpose.slug == slug))
    if purpose is None:
        raise ApiProblem(422, "Unknown purpose.", errors=[{"field": "purpose", "value": slug}])
    try:
        day = date.fromisoformat(request.args["date"]) if "date" in request.args else None
    except ValueError:
        raise ApiProblem(422, "date must be YYYY-MM-DD.") from None
    day = day or utcnow().date()
    try:
        answers = publishing.publishability(asset, purpose, day)
    except publishing.PublishError as exc:
        raise ApiProblem(422, str(exc)) from exc
    shown = [a for a in answers if _visible(a.person)]
    return jsonify(
        asset_id=asset.id,
        purpose=purpose.slug,
        medium=asset.medium,
        date=day.isoformat(),
        publishable=bool(answers) and all(a.allowed for a in answers),
        people=[
            {
                **_person(a.person),
                "allowed": a.allowed,
                "state": a.answer.state.status,
                "valid_until": iso(a.answer.state.valid_until) if a.allowed else None,
                "reason": a.reason,
            }
            for a in shown
        ],
    )
