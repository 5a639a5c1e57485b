"""A real OpenID provider for the tests: Authlib's authorization server on a loopback port.

It serves discovery, JWKS, an HTML sign-in form at /authorize, /token and /userinfo; it requires
PKCE (S256) and a nonce, checks the code_verifier, and signs ID tokens with an RS256 key made at
start-up; the ID token carries `auth_time`, when the person last typed their password here.
Users are configured per test. It never uses a cookie, so that it cannot clobber the app's
session cookie when both run on 127.0.0.1 (cookies ignore ports); a test that wants the
provider to remember a sign-in (as a real one does with its own cookie) sets
`remember_sign_in`, and then `prompt=login` and `max_age` are honoured as OpenID Connect says:
either forces the form again, otherwise the code is issued at once with the earlier auth_time.
"""

from __future__ import annotations

import hmac
import socket
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, g, jsonify, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "charte-test"
CLIENT_SECRET = "charte-test-secret"  # noqa: S105 - a test fixture's client secret


@dataclass
class ProviderUser:
    """A person known to the identity provider."""

    username: str
    password: str
    email: str
    email_verified: bool = True
    name: str = ""
    department: str = ""
    groups: list[str] = field(default_factory=list)


@dataclass
class Client(ClientMixin):
    """The one registered relying party (Charte)."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        allowed = {"openid", "email", "profile"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in {"client_secret_basic", "client_secret_post"}

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    """An issued code, bound to its client, redirect URI, nonce and PKCE challenge."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: ProviderUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


class StrictCodeChallenge(CodeChallenge):
    """PKCE is mandatory and only S256 is accepted (plain would defeat its purpose)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE with S256 is required.", redirect_uri=redirect_uri)
        return super().validate_code_challenge(grant, redirect_uri)


class OIDCProvider:
    """The provider and its HTTP server; start() it, then point OIDC_ISSUER at `.issuer`."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, auto_kid=True)
        self.users: dict[str, ProviderUser] = {}
        self.client = Client(CLIENT_ID, CLIENT_SECRET, ["http://localhost/login/sso/callback"])
        self.codes: dict[str, AuthorizationCode] = {}
        self.tokens: dict[str, ProviderUser] = {}
        self.used_nonces: set[str] = set()
        self.wrong_nonce = False  # a test sets it to make the ID token carry another nonce
        # The provider's own sign-in session (see the module docstring).
        self.remember_sign_in = False
        self.signed_in: ProviderUser | None = None
        self.signed_in_at: int | None = None
        # Misbehaving providers: one that ignores prompt/max_age (reuses its session anyway),
        # one that never says when the person signed in, one whose metadata says it cannot.
        self.ignore_prompt = False
        self.omit_auth_time = False
        self.advertise_step_up = True
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.issuer = ""
        self._server = None
        self._thread: threading.Thread | None = None
        self.app = self._build_app()

    def add_user(self, **fields: Any) -> ProviderUser:
        """Register a person who can sign in at the provider."""
        user = ProviderUser(**fields)
        self.users[user.username] = user
        return user

    def start(self) -> OIDCProvider:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.issuer = f"http://127.0.0.1:{port}"
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)

    def session_still_good(self, args) -> bool:
        """May the remembered sign-in answer this request without asking for the password?"""
        if self.signed_in is None or self.signed_in_at is None:
            return False
        if self.ignore_prompt:
            return True
        if "login" in args.get("prompt", "").split():
            return False
        max_age = args.get("max_age")
        return max_age is None or time.time() - self.signed_in_at <= int(max_age)

    def _build_app(self) -> Flask:
        provider = self
        app = Flask("oidc_provider")

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                data = req.payload.data
                provider.codes[code] = AuthorizationCode(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=req.payload.redirect_uri,
                    scope=req.scope,
                    user=req.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    auth_time=g.auth_time,
                )
                if data.get("nonce"):
                    provider.used_nonces.add(data["nonce"])

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                if item and item.client_id == client.client_id:
                    return item
                return None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class OpenID(OpenIDCode):
            def exists_nonce(self, nonce, req):
                return nonce in provider.used_nonces

            def resolve_client_private_key(self, client):
                return provider.key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.key.kid}

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.client_id]}

            def get_authorization_code_claims(self, authorization_code):
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.wrong_nonce:
                    claims["nonce"] = "a-nonce-this-client-never-sent"
                return claims

            def encode_id_token(self, token, request):
                id_token = super().encode_id_token(token, request)
                if not provider.omit_auth_time:
                    return id_token
                # Authlib always writes auth_time: re-sign the token without it.
                claims = jwt.decode(id_token, provider.key).claims
                claims.pop("auth_time", None)
                header = {"alg": "RS256", "kid": provider.key.kid}
                return jwt.encode(header, claims, provider.key)

            def generate_user_info(self, user, scope):
                # Standard claims in the ID token; department and groups only from UserInfo.
                return UserInfo(
                    sub=user.username,
                    email=user.email,
                    email_verified=user.email_verified,
                    name=user.name,
                )

        def save_token(token, req):
            provider.tokens[token["access_token"]] = req.user

        server = AuthorizationServer(
            app,
            query_client=lambda cid: provider.client if cid == CLIENT_ID else None,
            save_token=save_token,
        )
        server.register_grant(
            CodeGrant, [StrictCodeChallenge(required=True), OpenID(require_nonce=True)]
        )

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.issuer
            return jsonify(
                issuer=base,
                authorization_endpoint=f"{base}/authorize",
                token_endpoint=f"{base}/token",
                userinfo_endpoint=f"{base}/userinfo",
                jwks_uri=f"{base}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                code_challenge_methods_supported=["S256"],
                scopes_supported=["openid", "email", "profile"],
                token_endpoint_auth_methods_supported=[
                    "client_secret_basic",
                    "client_secret_post",
                ],
                claims_supported=["sub", "email", "email_verified", "name", "nonce"]
                + (["auth_time"] if provider.advertise_step_up else []),
                prompt_values_supported=["none", "login"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[provider.key.as_dict(private=False)])

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            try:
                grant = server.get_consent_grant(end_user=None)
            except OAuth2Error as error:
                return f"<p>{escape(error.error)}: {escape(error.description or '')}</p>", 400
            if request.method == "GET":
                provider.authorize_requests.append(request.args.to_dict())
                if provider.session_still_good(request.args):
                    g.auth_time = provider.signed_in_at
                    return server.create_authorization_response(
                        grant=grant, grant_user=provider.signed_in
                    )
                return _login_page("")
            if request.form.get("action") == "cancel":
                return server.create_authorization_response(grant=grant, grant_user=None)
            user = provider.users.get(request.form.get("username", ""))
            if user is None or not hmac.compare_digest(
                user.password, request.form.get("password", "")
            ):
                return _login_page("Wrong username or password."), 401
            g.auth_time = int(time.time())
            if provider.remember_sign_in:
                provider.signed_in, provider.signed_in_at = user, g.auth_time
            return server.create_authorization_response(grant=grant, grant_user=user)

        @app.post("/token")
        def token():
            provider.token_requests.append(request.form.to_dict())
            return server.create_token_response()

        @app.get("/userinfo")
        def userinfo():
            scheme, _, value = request.headers.get("Authorization", "").partition(" ")
            user = provider.tokens.get(value) if scheme.lower() == "bearer" else None
            if user is None:
                return jsonify(error="invalid_token"), 401
            return jsonify(
                sub=user.username,
                email=user.email,
                email_verified=user.email_verified,
                name=user.name,
                department=user.department,
                groups=user.groups,
            )

        return app


def _login_page(error: str) -> str:
    # Posts back to the same URL, so the authorization request travels in the query string.
    message = f'<p role="alert">{escape(error)}</p>' if error else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test identity provider</title></head>
<body><main><h1>Test identity provider</h1>{message}
<form method="post">
<p><label for="username">Username</label> <input id="username" name="username"></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password"></p>
<p><button type="submit" name="action" value="login">Continue</button>
<button type="submit" name="action" value="cancel">Cancel</button></p>
</form></main></body></html>"""


def charte_config(provider: OIDCProvider, **extra: Any) -> dict[str, Any]:
    """The app configuration that points Charte at this provider."""
    return {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_DEPARTMENT_CLAIM": "department",
        "OIDC_ROLE_CLAIM": "groups",
        "OIDC_ROLE_MAP": "charte-hr=hr,charte-admin=admin",
        **extra,
    }
