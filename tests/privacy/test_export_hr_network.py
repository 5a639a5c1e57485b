"""The IP address and browser of the HR person who recorded a decision on someone's behalf are
that HR person's data: the employee's export leaves them out."""

from __future__ import annotations

import io
import json
import zipfile

from app.policy import versions
from tests.conftest import csrf_token, post_form
from tests.consent_helpers import decide
from tests.policy_helpers import publish
from tests.privacy_helpers import pdf_bytes

HR_IP = "10.9.9.9"
HR_BROWSER = "HR-Desk-Browser/7.1"


def _paper_signature_by_hr(client, auth, hr, employee) -> None:
    if versions.current_version() is None:
        publish(1)
    auth.login(hr.email)
    url = f"/hr/people/{employee.id}/paper-signature"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "version": "1",
            "locale": "en",
            "typed_name": employee.full_name,
            "paper_reference": "P-9",
            "scan": (io.BytesIO(pdf_bytes()), "f.pdf"),
        },
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": HR_IP},
        headers={"User-Agent": HR_BROWSER},
    )
    assert response.status_code == 302
    auth.logout()


def _export(client) -> tuple[dict, bytes]:
    response = post_form(client, "/me/export", page="/me")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    raw = b"".join(archive.read(name) for name in archive.namelist())
    return json.loads(archive.read("charte-export.json")), raw


def test_employee_export_omits_the_hr_persons_network_details(
    client, auth, hr, employee, purposes, no_signing_prerequisites
):
    _paper_signature_by_hr(client, auth, hr, employee)
    decide(employee, "company-website", "photo", "granted", actor=hr, paper="F-1")  # HR at 10.0.0.7
    decide(employee, "company-website", "video", "refused")  # the employee's own, from 10.0.0.7 too
    auth.login(employee.email)
    document, raw = _export(client)
    signature = document["signatures"][0]
    assert signature["on_behalf"] and signature["recorded_by"] == hr.full_name
    assert signature["ip"] is None and signature["user_agent"] is None
    by_hr = [e for e in document["consent_events"] if e["on_behalf"]]
    own = [e for e in document["consent_events"] if not e["on_behalf"]]
    assert [(e["ip"], e["user_agent"]) for e in by_hr] == [(None, None)]
    assert [(e["ip"], e["user_agent"]) for e in own] == [("10.0.0.7", "pytest-browser")]
    assert HR_IP.encode() not in raw and HR_BROWSER.encode() not in raw


def test_the_hr_person_still_sees_their_own_network_details_in_their_export(
    client, auth, hr, employee, no_signing_prerequisites
):
    _paper_signature_by_hr(client, auth, hr, employee)
    auth.login(hr.email)
    document, _raw = _export(client)
    mine = [e for e in document["audit_events"] if e["by_me"] and e["ip"] == HR_IP]
    assert mine and all(e["user_agent"] == HR_BROWSER for e in mine)


def test_export_helper_shows_on_behalf_details_only_to_the_recorder(app, hr, employee):
    from types import SimpleNamespace

    from app.privacy.export import _network

    record = SimpleNamespace(on_behalf=True, recorded_by_id=hr.id, ip=HR_IP, user_agent=HR_BROWSER)
    assert _network(record, employee) == (None, None)
    assert _network(record, hr) == (HR_IP, HR_BROWSER)
