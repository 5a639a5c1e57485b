"""Offboarding: HR confirms a deactivation and chooses what happens to image consents."""

from __future__ import annotations

import json

import pytest

from app.consent import texts
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.types import utcnow
from tests.conftest import post_form
from tests.consent_helpers import decide, state

URL = "/hr/employees/{id}/deactivate"


@pytest.fixture
def granted(employee):
    texts.sync_from_files(actor=None, client=ClientInfo.system())
    decide(employee, "company-website", "photo", "granted")
    decide(employee, "social-media", "video", "granted")
    decide(employee, "company-website", "video", "refused")


def _deactivated_details() -> dict:
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.deactivated"))
    return json.loads(event.details) if event else {}


def test_confirmation_page_asks_about_consents(client, auth, hr, employee, granted):
    auth.login(hr.email)
    page = client.get(URL.format(id=employee.id)).get_data(as_text=True)
    assert "2 image consents are valid today." in page
    assert "Keep them until they expire" in page and "End them now" in page
    db.session.refresh(employee)
    assert employee.active


def test_no_choice_no_deactivation(client, auth, hr, employee, granted):
    auth.login(hr.email)
    url = URL.format(id=employee.id)
    response = post_form(client, url, page=url)
    assert response.status_code == 200
    assert "Choose what happens to their image consents." in response.get_data(as_text=True)
    db.session.refresh(employee)
    assert employee.active


def test_keep_until_expiry(client, auth, hr, employee, granted):
    auth.login(hr.email)
    url = URL.format(id=employee.id)
    assert post_form(client, url, {"image_consents": "keep"}, page=url).status_code == 302
    db.session.refresh(employee)
    assert not employee.active
    assert state(employee, "company-website", "photo", utcnow().date()).status == "granted"
    assert _deactivated_details() == {"image_consents": "keep", "consents_revoked": 0}


def test_end_now_revokes_on_behalf(client, auth, hr, employee, granted):
    auth.login(hr.email)
    url = URL.format(id=employee.id)
    assert post_form(client, url, {"image_consents": "end_now"}, page=url).status_code == 302
    db.session.refresh(employee)
    assert not employee.active
    today = utcnow().date()
    website = state(employee, "company-website", "photo", today)
    assert website.status == "revoked"
    assert website.event.on_behalf and website.event.paper_reference == "offboarding"
    assert website.event.recorded_by_id == hr.id
    assert state(employee, "social-media", "video", today).status == "revoked"
    assert state(employee, "company-website", "video", today).status == "refused"
    assert _deactivated_details() == {"image_consents": "end_now", "consents_revoked": 2}


def test_offboarding_needs_csrf_and_hr(client, auth, hr, employee, other_employee, granted):
    auth.login(other_employee.email)
    assert client.get(URL.format(id=employee.id)).status_code == 403
    auth.logout()
    auth.login(hr.email)
    response = client.post(URL.format(id=employee.id), data={"image_consents": "end_now"})
    assert response.status_code == 400
    db.session.refresh(employee)
    assert employee.active
