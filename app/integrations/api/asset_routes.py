"""The asset register in the REST API: assets with their people and publications, and whether
an asset may be published for a purpose on a day (scope consents:check)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select

from app.consent.assets import publishing, register
from app.extensions import db
from app.integrations.api.problems import ApiProblem
from app.integrations.api.registry import SCHEMAS, operation
from app.integrations.api.routes import _cursor, _page_args, bp
from app.integrations.api.schemas import CURSOR_QUERY, page_of, ref
from app.integrations.employee_status import iso
from app.models.consent import ConsentPurpose
from app.models.types import utcnow
from app.models.user import Role, User

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
