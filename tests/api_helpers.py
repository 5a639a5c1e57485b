"""Helpers for the API tests: issue tokens through the service, call with a bearer header."""

from __future__ import annotations

from app.core.client import ClientInfo
from app.integrations import tokens
from app.models.api_token import SCOPES

# Every scope but employees:admin: what an HR-system sync normally holds.
EVERYDAY_SCOPES = tuple(s for s in SCOPES if s != tokens.ADMIN_SCOPE)


def issue(admin, scopes=EVERYDAY_SCOPES, name="HR sync") -> str:
    """A new token's value, issued by this admin."""
    return tokens.create(name, list(scopes), actor=admin, client=ClientInfo.system()).value


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
