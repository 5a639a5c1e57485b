"""Mailed reset links name CHARTE_BASE_URL, whatever Host the request that asked for them sent."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from tests.people.test_account_takeover import _on_evil_host


@pytest.fixture
def app_config(smtp_server):
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "CHARTE_BASE_URL": "https://charte.example.org",
    }


def test_host_header_does_not_steer_the_mailed_reset_link(client, employee, smtp_server):
    _on_evil_host(client)
    token = csrf_token(client, "/forgot-password")
    response = client.post("/forgot-password", data={"email": employee.email, "csrf_token": token})
    assert response.status_code == 302
    body = smtp_server.messages[0].get_content()
    assert "https://charte.example.org/reset-password/" in body
    assert "evil.example" not in body
