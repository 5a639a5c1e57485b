"""scim2-tester, an independent SCIM 2.0 conformance checker, against a live Charte server."""

from __future__ import annotations

import threading

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
from werkzeug.serving import make_server

from tests.api_helpers import issue


@pytest.fixture
def live_scim(app, admin):
    """The app served by werkzeug on a free loopback port, with a scim + employees:admin token."""
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    token = issue(admin, scopes=("scim",), name="Conformance")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/scim/v2", token
    server.shutdown()
    thread.join(5)


def test_scim2_tester_finds_no_error(live_scim):
    base, token = live_scim
    http = httpx2.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    client = SyncSCIMClient(http)
    results = check_server(client, raise_exceptions=False)
    failures = [
        f"{r.resource_type or ''} {r.title}: {r.reason}"
        for r in results
        if r.status in (Status.ERROR, Status.CRITICAL)
    ]
    assert results
    assert not failures, "\n".join(failures)
