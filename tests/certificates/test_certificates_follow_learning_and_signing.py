"""Certificates through the other areas: the API lists them, revocation fires a webhook."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.certificates import issuing
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import webhooks
from app.models.certificate import Certificate
from app.models.webhook import WebhookDelivery
from tests.api_helpers import bearer, issue
from tests.learning_helpers import complete_module


@pytest.fixture
def app_config():
    return {"WEBHOOKS_ALLOW_HTTP_LOOPBACK": True}


@pytest.fixture
def certificate(client, auth, employee):
    auth.login(employee.email)
    complete_module(client, "why-a-policy")
    auth.logout()
    return db.session.scalar(
        select(Certificate)
        .where(Certificate.user_id == employee.id)
        .options(selectinload(Certificate.revocation))
        .execution_options(populate_existing=True)
    )


def test_the_api_lists_issued_certificates(client, admin, certificate, employee):
    token = issue(admin)
    body = client.get("/api/v1/certificates", headers=bearer(token)).get_json()
    assert [item["code"] for item in body["data"]] == [certificate.code]
    assert body["data"][0]["status"] == "valid"


def test_revoking_a_certificate_queues_a_signed_webhook(app, admin, hr, certificate):
    webhooks.register(
        "http://127.0.0.1:9/hook", ["certificate.revoked"], actor=admin, client=ClientInfo.system()
    )
    reloaded = issuing.get(certificate.id)  # the commit above expired the fixture's copy
    issuing.revoke(reloaded, reason="Issued by mistake", actor=hr, client=ClientInfo.system())
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.event_type == "certificate.revoked"
    assert json.loads(delivery.body)["data"]["certificate"]["code"] == reloaded.code


def test_certificates_on_the_me_page_and_in_the_export(client, auth, employee, certificate):
    import io
    import zipfile

    from tests.conftest import post_form

    auth.login(employee.email)
    page = client.get("/me").get_data(as_text=True)
    assert "Certificate (PDF)" in page
    response = post_form(client, "/me/export", page="/me")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    data = json.loads(archive.read("charte-export.json"))
    assert [c["code"] for c in data["certificates"]] == [certificate.code]
    assert archive.read(f"certificates/{certificate.code}.pdf").startswith(b"%PDF")
