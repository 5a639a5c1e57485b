"""Helpers shared by the policy tests: publish a version, sign through the real form."""

from __future__ import annotations

from flask.testing import FlaskClient

from app.core.client import ClientInfo
from app.models.policy import PolicyVersion
from app.policy import versions
from tests.conftest import PASSWORD, csrf_token


def publish(version: int = 1) -> PolicyVersion:
    """Publish a version from content/policy as the command line would."""
    return versions.publish(version, actor=None, client=ClientInfo.system())


def sign_form(
    client: FlaskClient,
    *,
    name: str,
    version: int = 1,
    password: str = PASSWORD,
    agree: bool = True,
    locale: str = "en",
    csrf: bool = True,
    follow: bool = False,
):
    """POST the signing form like a browser that loaded /policy first."""
    data = {"version": str(version), "locale": locale, "typed_name": name, "password": password}
    if agree:
        data["agree"] = "y"
    if csrf:
        data["csrf_token"] = csrf_token(client, "/policy")
    return client.post("/policy", data=data, follow_redirects=follow)
