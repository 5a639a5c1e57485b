"""Step-up rules: who confirms without a password, what the provider's metadata allows, and a
step-up answer arriving in a browser that is not the signer's."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.people import step_up
from tests.conftest import make_user
from tests.oidc_provider import charte_config


@pytest.fixture
def app_config(oidc_provider):
    return charte_config(oidc_provider)


@pytest.mark.parametrize(
    ("metadata", "can"),
    [
        ({}, True),  # most providers list neither: the answer's auth_time is checked instead
        ({"claims_supported": ["sub", "auth_time"], "prompt_values_supported": ["login"]}, True),
        ({"claims_supported": ["sub", "email"]}, False),
        ({"prompt_values_supported": ["none", "consent"]}, False),
    ],
)
def test_provider_metadata_decides_whether_step_up_is_possible(metadata, can):
    assert step_up.provider_can_step_up(metadata) is can


def test_who_confirms_without_a_password(app, admin, employee):
    sso_only = make_user("nopass@example.com", "No Pass", password=None)
    assert step_up.needs_step_up(sso_only)
    assert not step_up.needs_step_up(employee)
    settings.update(
        {"sso.password_login_for_admins_only": True}, actor=admin, client=ClientInfo.system()
    )
    assert step_up.needs_step_up(employee)  # has a password but may not use it
    assert not step_up.needs_step_up(admin)


def test_a_step_up_answer_in_a_signed_out_browser_is_refused(app, client, oidc_provider):
    person = make_user("nopass@example.com", "No Pass", password=None)
    step, state = step_up.begin(
        person,
        purpose="policy-signature",
        payload={"version": 1},
        method=step_up.SSO_STEP_UP,
        return_path=lambda step_id: f"/policy/step-up/{step_id}",
        client=ClientInfo.system(),
    )
    response = client.get(f"/login/sso/callback?state={state}&code=stolen")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.refresh(step)
    assert step.failure == "other_account" and step.proved_at is None
    details = [
        json.loads(row.details)
        for row in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.step_up_failed")
        )
    ]
    assert details == [
        {
            "reason": "other_account",
            "method": "sso_step_up",
            "purpose": "policy-signature",
            "wrong_session": True,
        }
    ]
    # Spent: even its owner can no longer use it.
    with pytest.raises(step_up.StepUpError):
        step_up.consume(step, person, "policy-signature")
