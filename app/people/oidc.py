"""The OpenID Connect client (Authlib), one registry per app so that each app has its own provider."""

from __future__ import annotations

from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app

from app.people.sso import parse_role_map

EXTENSION_KEY = "charte.oidc"


class IssuerMismatch(Exception):
    """The discovery document names another issuer than the one configured."""


def init_oidc(app: Flask) -> None:
    """Register the provider from OIDC_* settings; without OIDC_ISSUER, single sign-on is off."""
    issuer = (app.config.get("OIDC_ISSUER") or "").rstrip("/")
    if not issuer:
        return
    if not app.config.get("OIDC_CLIENT_ID") or not app.config.get("OIDC_CLIENT_SECRET"):
        raise RuntimeError(
            "OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are required."
        )
    parse_role_map(app.config.get("OIDC_ROLE_MAP"))  # refuse to start with a bad mapping
    oauth = OAuth(app)
    app.extensions[EXTENSION_KEY] = oauth.register(
        "charte_oidc",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": "openid email profile",
            "code_challenge_method": "S256",
            "default_timeout": app.config["OIDC_TIMEOUT_SECONDS"],
        },
    )


def client_or_404() -> Any:
    """The app's OpenID client; 404 when single sign-on is not configured."""
    client = current_app.extensions.get(EXTENSION_KEY)
    if client is None:
        abort(404)
    return client


def load_metadata(client: Any) -> dict[str, Any]:
    """Fetch (once) the discovery document and check that it speaks for the configured issuer."""
    metadata = client.load_server_metadata()
    expected = current_app.config["OIDC_ISSUER"].rstrip("/")
    if str(metadata.get("issuer", "")).rstrip("/") != expected:
        # Forget it, so that a corrected provider is picked up without a restart.
        client.server_metadata.pop("_loaded_at", None)
        raise IssuerMismatch(metadata.get("issuer"))
    return metadata
