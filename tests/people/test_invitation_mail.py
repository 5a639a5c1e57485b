"""Invitations and password resets by email, through a real SMTP server on loopback."""

from __future__ import annotations

import re

import pytest

from tests.conftest import csrf_token
from tests.people.test_invitations import _invite


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port}


def test_invitation_is_mailed_when_mail_is_configured(client, auth, hr, smtp_server):
    auth.login(hr.email)
    response = _invite(client, locale="fr")
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "new.person@example.com"
    body = message.get_content()
    assert "Bonjour Nouvelle Personne" in body
    assert "http://localhost/invitation/" in body


def test_password_reset_by_mail_sets_a_new_password(client, auth, employee, smtp_server):
    token = csrf_token(client, "/forgot-password")
    client.post("/forgot-password", data={"email": employee.email, "csrf_token": token})
    link = re.search(
        r"http://localhost(/reset-password/\S+)", smtp_server.messages[0].get_content()
    ).group(1)
    response = client.post(
        link,
        data={
            "password": "brand new secret",
            "confirm": "brand new secret",
            "csrf_token": csrf_token(client, link),
        },
    )
    assert response.status_code == 302
    assert auth.login(employee.email, "brand new secret").status_code == 302
