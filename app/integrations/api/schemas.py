"""JSON schemas of what the API accepts and answers, referenced by the routes and the document."""

from __future__ import annotations

from typing import Any

from app.integrations.api.registry import SCHEMAS
from app.models.consent import ConsentStatus, Medium

_DATE = {"type": ["string", "null"], "format": "date"}
_STAMP = {"type": ["string", "null"], "format": "date-time"}
_MEDIA = [m.value for m in Medium]
_STATUSES = [s.value for s in ConsentStatus]


def ref(name: str) -> dict[str, str]:
    """A $ref to a named schema."""
    return {"$ref": f"#/components/schemas/{name}"}


def page_of(name: str) -> dict[str, Any]:
    """A page of a cursor-paginated list."""
    return {
        "type": "object",
        "required": ["data", "next_cursor"],
        "properties": {
            "data": {"type": "array", "items": ref(name)},
            "next_cursor": {"type": ["string", "null"]},
        },
    }


CURSOR_QUERY = (
    {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}},
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
)

SCHEMAS.update(
    {
        "Problem": {
            "type": "object",
            "required": ["type", "title", "status", "detail", "instance"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "instance": {"type": "string"},
                "errors": {"type": "array", "items": {"type": "object"}},
            },
        },
        "EmployeeInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["full_name"],
            "properties": {
                "email": {"type": "string", "format": "email", "maxLength": 254},
                "external_id": {
                    "type": ["string", "null"],
                    "pattern": "^[A-Za-z0-9._:\\-]{1,100}$",
                },
                "full_name": {"type": "string", "minLength": 1, "maxLength": 200},
                "department": {"type": "string", "maxLength": 120},
                "job_title": {"type": "string", "maxLength": 120},
                "start_date": _DATE,
                "locale": {"type": "string", "enum": ["fr", "en"]},
                "manager": {
                    "type": ["string", "null"],
                    "maxLength": 254,
                    "description": "The manager's email or external id; empty or null: none.",
                },
            },
        },
        "Employee": {
            "type": "object",
            "required": ["id", "email", "external_id", "full_name", "active"],
            "properties": {
                "id": {"type": "integer"},
                "email": {"type": "string"},
                "external_id": {"type": ["string", "null"]},
                "full_name": {"type": "string"},
                "department": {"type": "string"},
                "job_title": {"type": "string"},
                "start_date": _DATE,
                "locale": {"type": "string"},
                "role": {"type": "string"},
                "active": {"type": "boolean"},
                "deactivated_at": _STAMP,
                "manager_id": {"type": ["integer", "null"]},
            },
        },
        "UpsertResult": {
            "type": "object",
            "required": ["result", "employee"],
            "properties": {
                "result": {"type": "string", "enum": ["created", "updated", "unchanged"]},
                "employee": ref("Employee"),
            },
        },
        "BatchResult": {
            "type": "object",
            "required": ["created", "updated", "unchanged", "results"],
            "properties": {
                "created": {"type": "integer"},
                "updated": {"type": "integer"},
                "unchanged": {"type": "integer"},
                "results": {"type": "array", "items": {"type": "object"}},
            },
        },
        "EmployeeStatus": {
            "type": "object",
            "required": ["employee", "training", "policy", "due"],
            "properties": {
                "employee": ref("Employee"),
                "training": {
                    "type": "object",
                    "properties": {
                        "completed_modules": {"type": "integer"},
                        "required_modules": {"type": "integer"},
                        "done": {"type": "boolean"},
                        "completed_at": _STAMP,
                    },
                },
                "policy": {
                    "type": "object",
                    "properties": {
                        "state": {
                            "type": "string",
                            "enum": ["unpublished", "never", "outdated", "current"],
                        },
                        "current_version": {"type": ["integer", "null"]},
                        "signed_version": {"type": ["integer", "null"]},
                        "current_version_label": {
                            "type": ["string", "null"],
                            "description": 'The current version as shown: "3", or "3.1" once '
                            "a minor revision (no new signature) was published.",
                        },
                        "signed_version_label": {
                            "type": ["string", "null"],
                            "description": "The version of the text the person signed, down to "
                            'its minor revision ("3" for the text first published as 3).',
                        },
                        "signed_at": _STAMP,
                    },
                },
                "due": {"type": "array", "items": {"type": "object"}},
                "consents": {"type": "array", "items": ref("ConsentState")},
            },
        },
        "ConsentState": {
            "type": "object",
            "required": ["purpose", "medium", "status", "allowed"],
            "properties": {
                "purpose": {"type": "string"},
                "medium": {"type": "string", "enum": _MEDIA},
                "status": {"type": "string", "enum": _STATUSES},
                "allowed": {"type": "boolean"},
                "since": _DATE,
                "valid_until": _DATE,
            },
        },
        "Overdue": {
            "type": "object",
            "required": ["employee", "overdue"],
            "properties": {
                "employee": ref("Employee"),
                "overdue": {"type": "array", "items": {"type": "object"}},
            },
        },
        "ConsentCheckInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["purpose", "medium", "people", "reference"],
            "properties": {
                "purpose": {"type": "string", "minLength": 1},
                "medium": {"type": "string", "enum": _MEDIA},
                "people": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": 500,
                    "items": {"type": "string", "minLength": 1},
                },
                "reference": {"type": "string", "minLength": 1, "maxLength": 300},
            },
        },
        "ConsentCheck": {
            "type": "object",
            "required": ["check_id", "purpose", "medium", "reference", "checked_at", "results"],
            "properties": {
                "check_id": {"type": "integer"},
                "purpose": {"type": "string"},
                "medium": {"type": "string"},
                "reference": {"type": "string"},
                "checked_at": {"type": "string", "format": "date-time"},
                "results": {"type": "array", "items": {"type": "object"}},
            },
        },
        "Certificate": {
            "type": "object",
            "required": ["id", "code", "status", "issued_at"],
            "properties": {
                "id": {"type": "integer"},
                "code": {"type": "string"},
                "employee_email": {"type": "string"},
                "employee_external_id": {"type": ["string", "null"]},
                "title": {"type": "string"},
                "status": {"type": "string", "enum": ["valid", "revoked"]},
                "issued_at": {"type": "string", "format": "date-time"},
                "revoked_at": _STAMP,
            },
        },
        "Verification": {
            "type": "object",
            "required": ["code", "kind", "status", "holder_name", "title", "issued_at"],
            "properties": {
                "code": {"type": "string"},
                "kind": {"type": "string"},
                "status": {
                    "type": "string",
                    "enum": ["valid", "revoked", "withdrawn", "expired", "refused", "superseded"],
                },
                "status_since": {"type": ["string", "null"], "format": "date"},
                "holder_name": {"type": "string"},
                "title": {"type": "string"},
                "issued_at": {"type": "string", "format": "date-time"},
                "details": {"type": "object"},
            },
        },
    }
)
