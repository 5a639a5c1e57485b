"""The OpenAPI document is true to the code: every route is in it, and the live app conforms."""

from __future__ import annotations

import re
import threading

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from werkzeug.serving import make_server

from app.certificates import register as certificate_register
from app.consent import texts
from app.core.client import ClientInfo
from app.models.types import utcnow
from tests.api_helpers import bearer, issue


def test_every_api_route_is_documented_and_nothing_else(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
        routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    for ops in document["paths"].values():
        for op in ops.values():
            assert op.get("security") == [] or "401" in op["responses"]


@pytest.fixture
def live_api(app, admin, monkeypatch):
    """The app served by werkzeug on a free loopback port, with an all-scopes token.

    Certificates come from a stand-in list here (the real query is tested with the API status).
    """
    app.config["API_RATE_LIMIT"] = "100000 per minute"
    records = [
        certificate_register.CertificateRecord(
            i, f"CODE{i}", admin.email, None, "Programme", "valid", utcnow()
        )
        for i in range(1, 6)
    ]
    monkeypatch.setattr(
        certificate_register,
        "records_after",
        lambda after, limit, **_filters: [r for r in records if r.id > after][:limit],
    )
    texts.sync_from_files(actor=None, client=ClientInfo.system())
    token = issue(admin)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", token
    server.shutdown()
    thread.join(5)


def test_live_api_conforms_to_its_document(live_api):
    """schemathesis generates requests for every operation: no 5xx, every answer as documented."""
    base, token = live_api
    document = requests.get(f"{base}/api/v1/openapi.json", timeout=10).json()
    schema = schemathesis.openapi.from_dict(document)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,  # the same examples on every run: CI is reproducible
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(
                base_url=base,
                headers=bearer(token),
                checks=[not_a_server_error, response_schema_conformance],
            )

        run()
        tested.append(operation.label)
    assert len(tested) == sum(len(ops) for ops in document["paths"].values()), sorted(tested)
