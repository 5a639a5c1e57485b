"""Fifty employees sign at the same moment through a running server: each recorded exactly once."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import threading
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from tests.conftest import PASSWORD, make_user
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")

SIGNERS = 50
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app_config():
    # Fifty people sign in from the same address within seconds.
    return {"LOGIN_RATE_LIMIT_PER_IP": "1000 per minute"}


@pytest.fixture
def server(app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    httpd.shutdown()
    thread.join(timeout=5)


class Browser:
    """A cookie jar and a CSRF-aware form poster over urllib."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.read().decode()

    def post(self, path: str, data: dict, page: str) -> tuple[int, str]:
        token = CSRF.search(self.get(page)).group(1)
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        with self.opener.open(self.base + path, data=body, timeout=120) as response:
            return response.status, response.geturl()


def test_fifty_concurrent_signatures_are_each_recorded_once(app, server):
    publish(1)
    people = [make_user(f"signer{n}@example.com", f"Signer Number {n}") for n in range(SIGNERS)]
    browsers = []
    for user in people:
        browser = Browser(server)
        browser.post("/login", {"email": user.email, "password": PASSWORD}, page="/login")
        browsers.append(browser)
    db.session.commit()

    barrier = threading.Barrier(SIGNERS)
    outcomes: list[object] = []

    def sign(browser: Browser, user_name: str) -> None:
        try:
            token = CSRF.search(browser.get("/policy")).group(1)
            body = urllib.parse.urlencode(
                {
                    "csrf_token": token,
                    "version": "1",
                    "locale": "en",
                    "agree": "y",
                    "typed_name": user_name.upper(),
                    "password": PASSWORD,
                }
            ).encode()
            barrier.wait(timeout=120)
            # The same person double-submits: the second post must record nothing.
            for _ in range(2):
                with browser.opener.open(server + "/policy", data=body, timeout=120) as response:
                    outcomes.append(response.geturl())
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)

    threads = [
        threading.Thread(target=sign, args=(b, u.full_name))
        for b, u in zip(browsers, people, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert not errors, errors[:3]
    assert sum("/policy/acknowledgements/" in o for o in outcomes) == SIGNERS
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Acknowledgement)) == SIGNERS
    assert db.session.scalar(select(func.count(func.distinct(Acknowledgement.user_id)))) == SIGNERS
    signed = select(func.count()).where(AuditEvent.action == "policy.signed")
    assert db.session.scalar(signed) == SIGNERS
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{SIGNERS} acknowledgements" in result.output
