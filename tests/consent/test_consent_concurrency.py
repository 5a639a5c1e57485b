"""Concurrent and repeated consent posts through a running server: each decision recorded once.

Double clicks and a grant/withdraw race from several tabs, fired at the same instant against a
real threaded server (one database connection per request), on SQLite and PostgreSQL.
"""

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

from app.consent import texts
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from tests.conftest import PASSWORD
from tests.consent_helpers import purpose

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
TABS = 8


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


def _signed_in_opener(server: str, email: str):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(server + "/login", timeout=60) as page:
        token = CSRF.search(page.read().decode()).group(1)
    body = urllib.parse.urlencode({"email": email, "password": PASSWORD, "csrf_token": token})
    opener.open(server + "/login", data=body.encode(), timeout=60).close()
    return opener


def _fire(server: str, opener, forms: list[dict]) -> list[object]:
    """Post every form from its own thread at the same instant; return the final URLs."""
    with opener.open(server + "/me/image", timeout=60) as page:
        token = CSRF.search(page.read().decode()).group(1)
    barrier = threading.Barrier(len(forms))
    outcomes: list[object] = []

    def post(form: dict) -> None:
        body = urllib.parse.urlencode({**form, "csrf_token": token}).encode()
        try:
            barrier.wait(timeout=60)
            with opener.open(server + "/me/image/decide", data=body, timeout=120) as response:
                outcomes.append(response.status)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            outcomes.append(exc)

    threads = [threading.Thread(target=post, args=(form,)) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return outcomes


def _form(slug: str, medium: str, decision: str, **extra) -> dict:
    p = purpose(slug)
    return {
        "purpose_id": p.id,
        "medium": medium,
        "decision": decision,
        "text_id": texts.current_texts("en")[p.id].id,
        **extra,
    }


def _decisions() -> list[str]:
    db.session.commit()  # a fresh snapshot: the server committed on other connections
    return list(db.session.scalars(select(ConsentEvent.decision).order_by(ConsentEvent.id)))


def _consent_audits() -> int:
    return db.session.scalar(
        select(func.count()).where(
            AuditEvent.action.in_(["consent.granted", "consent.refused", "consent.revoked"])
        )
    )


def test_a_decision_posted_from_many_tabs_at_once_is_recorded_once(app, server, employee, purposes):
    opener = _signed_in_opener(server, employee.email)
    grant = _form("company-website", "photo", "granted", valid_until="2027-06-30")

    outcomes = _fire(server, opener, [grant] * TABS)

    assert outcomes == [200] * TABS
    assert _decisions() == ["granted"]
    assert _consent_audits() == 1


def test_a_grant_and_withdraw_race_never_records_the_same_decision_twice_in_a_row(
    app, server, employee, purposes
):
    opener = _signed_in_opener(server, employee.email)
    grant = _form("social-media", "video", "granted", valid_until="2027-06-30")
    revoke = _form("social-media", "video", "revoked")
    _fire(server, opener, [grant])
    assert _decisions() == ["granted"]

    outcomes = _fire(server, opener, [revoke, grant] * (TABS // 2))

    assert outcomes == [200] * TABS
    recorded = _decisions()
    pairs = list(zip(recorded, recorded[1:], strict=False))
    assert all(before != after for before, after in pairs), recorded
    assert recorded[1] == "revoked" and len(recorded) <= TABS + 1
    assert _consent_audits() == len(recorded)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
