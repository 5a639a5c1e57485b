"""Request ids, structured request logs and static file caching."""

from __future__ import annotations

import json
import logging


def test_every_response_has_a_request_id_and_a_log_line(client, caplog):
    with caplog.at_level(logging.INFO, logger="charte.access"):
        response = client.get("/login")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) >= 8
    lines = [json.loads(r.message) for r in caplog.records if r.name == "charte.access"]
    assert lines[-1] == {
        "method": "GET",
        "path": "/login",
        "status": 200,
        "duration_ms": lines[-1]["duration_ms"],
        "user_id": None,
        "request_id": request_id,
    }


def test_a_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(client):
    assert (
        client.get("/healthz", headers={"X-Request-ID": "abc123def456"}).headers["X-Request-ID"]
        == "abc123def456"
    )
    assert (
        client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"]
        != "bad id!"
    )


def test_signed_in_user_id_is_logged(client, auth, employee, caplog):
    auth.login(employee.email)
    with caplog.at_level(logging.INFO, logger="charte.access"):
        client.get("/")
    line = json.loads([r for r in caplog.records if r.name == "charte.access"][-1].message)
    assert line["user_id"] == employee.id


def test_static_urls_carry_a_content_hash_and_are_cached_long(client):
    html = client.get("/login").get_data(as_text=True)
    assert "/static/css/charte.css?v=" in html
    response = client.get("/static/css/charte.css")
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers.get("ETag")
