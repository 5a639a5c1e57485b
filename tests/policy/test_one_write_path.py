"""One write path for signatures: online and on paper, the same row, audit entry and hooks.

A paper signature once copied the online path and missed what was added to it later (the
programme certificate and the `policy.signed` webhook); both now go through
`signing.record_acknowledgement`, and this test holds them to it.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.core import audit
from app.core.client import ClientInfo
from app.extensions import db
from app.integrations import webhooks
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.certificate import PROGRAMME, Certificate
from app.models.webhook import WebhookDelivery
from tests.learning_helpers import complete_programme
from tests.policy.test_on_behalf import _record
from tests.policy_helpers import publish, sign_form
from tests.privacy_helpers import pdf_bytes


@pytest.fixture
def app_config():
    return {"WEBHOOKS_ALLOW_HTTP_LOOPBACK": True}


def _sign_online(client, auth, employee, hr):
    assert sign_form(client, name=employee.full_name).status_code == 302


def _sign_on_paper(client, auth, employee, hr):
    auth.logout()
    auth.login(hr.email)
    assert _record(client, employee, data=pdf_bytes(), filename="form.pdf").status_code == 302


@pytest.mark.parametrize("sign", [_sign_online, _sign_on_paper], ids=["online", "paper"])
def test_signing_after_the_modules_issues_the_certificate_and_queues_the_webhook(
    client, auth, admin, hr, employee, sign
):
    publish(1)
    webhooks.register(
        "http://127.0.0.1:9/hook", ["policy.signed"], actor=admin, client=ClientInfo.system()
    )
    auth.login(employee.email)
    complete_programme(client)
    assert not db.session.scalar(select(Certificate).where(Certificate.kind == PROGRAMME))

    sign(client, auth, employee, hr)

    ack = db.session.scalar(select(Acknowledgement).where(Acknowledgement.user_id == employee.id))
    programme = db.session.scalars(
        select(Certificate).where(Certificate.user_id == employee.id, Certificate.kind == PROGRAMME)
    ).all()
    assert len(programme) == 1
    deliveries = db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.event_type == "policy.signed")
    ).all()
    assert len(deliveries) == 1
    assert json.loads(deliveries[0].body)["data"]["code"] == ack.code
    signed = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "policy.signed", AuditEvent.target_id == str(ack.id))
    )
    assert signed == 1
    assert audit.verify_all().ok
