"""A minor revision shows as "3.1" wherever a version is named: HR pages, the employee's pages,
receipts, /verify, the signatures export, the API and the webhook.

A signature names the exact text it signed: one given on the text first published as version 3
still says "3" after 3.1 is published (the signer read that text, and a receipt printed today
must say what one printed then said); a signature given after it says "3.1".
"""

from __future__ import annotations

import io
import json

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.core.client import ClientInfo
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.policy import versions
from tests.api_helpers import bearer, issue
from tests.policy_helpers import publish, sign_form

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


def _publish_minor(number: int) -> None:
    """A minor revision of the current version: one sentence added in each language."""
    sources = []
    for locale in ("fr", "en"):
        source = versions.read_source(number, locale)
        sources.append(
            versions.source_text(
                number,
                locale,
                title=source.title,
                changes="",
                body=source.markdown + "\nOne more sentence.\n",
                section_ids=source.section_ids,
            )
        )
    versions.publish(number, actor=None, client=ClientInfo.system(), sources=sources, minor=True)


@pytest.fixture
def signed(client, auth, employee, other_employee):
    """Version 3 signed by `employee` on its first text, then 3.1 signed by `other_employee`."""
    for number in (1, 2, 3):
        publish(number)
    auth.login(employee.email)
    sign_form(client, name=employee.full_name, version=3)
    auth.logout()
    _publish_minor(3)
    auth.login(other_employee.email)
    sign_form(client, name=other_employee.full_name, version=3)
    auth.logout()
    acks = {a.user_id: a for a in db.session.scalars(select(Acknowledgement))}
    return acks[employee.id], acks[other_employee.id]


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_statement_names_the_minor_revision_signed(signed):
    first, later = signed
    assert "version 3, and I undertake" in first.statement
    assert "version 3.1, and I undertake" in later.statement


def test_hr_status_page_names_the_current_and_each_signed_revision(client, auth, hr, signed):
    auth.login(hr.email)
    html = client.get("/hr/policy").get_data(as_text=True)
    assert "Current version: 3.1." in html
    assert "version 3.1 signed on" in html  # the later signer
    assert "version 3 signed on" in html  # the earlier one signed the text of 3 (3.0)


def test_hr_employee_page_timeline_names_the_revision(client, auth, hr, signed, other_employee):
    auth.login(hr.email)
    html = client.get(f"/hr/employees/{other_employee.id}").get_data(as_text=True)
    assert "Signed the policy, version 3.1" in html


def test_employee_pages_name_the_revision(client, auth, employee, other_employee, signed):
    auth.login(other_employee.email)
    policy_page = client.get("/policy").get_data(as_text=True)
    assert "You signed version 3.1 on" in policy_page
    assert "Version 3.1, signed on" in policy_page
    assert "Version 3.1 signed on" in client.get("/me").get_data(as_text=True)
    auth.logout()
    auth.login(employee.email)
    policy_page = client.get("/policy").get_data(as_text=True)
    assert "You signed version 3 on" in policy_page and "version 3.1 on" not in policy_page


def test_receipts_and_verify_name_the_text_signed(client, auth, employee, other_employee, signed):
    first, later = signed
    auth.login(other_employee.email)
    pdf = _pdf_text(client.get(f"/policy/receipts/{later.id}.pdf").data)
    assert "version 3.1" in pdf
    # The signed JSON keeps the integer and adds the label.
    document = client.get(f"/policy/receipts/{later.id}.json").get_json()["document"]
    assert document["version"] == 3 and document["version_label"] == "3.1"
    auth.logout()
    auth.login(employee.email)
    pdf = _pdf_text(client.get(f"/policy/receipts/{first.id}.pdf").data)
    assert "version 3," in pdf.replace("\n", " ") and "version 3.1" not in pdf
    auth.logout()
    # The public page: what was signed, down to the revision.
    assert "version 3.1" in client.get(f"/verify/{later.code}").get_data(as_text=True)
    page = client.get(f"/verify/{first.code}").get_data(as_text=True)
    assert "version 3" in page and "version 3.1" not in page
    body = client.get(f"/verify/{later.code}", headers={"Accept": "application/json"}).get_json()
    assert body["details"]["version"] == 3 and body["details"]["version_label"] == "3.1"


def test_signatures_export_names_the_revision(client, auth, hr, employee, signed):
    auth.login(hr.email)
    lines = client.get("/hr/exports/signatures.csv").get_data(as_text=True).splitlines()
    rows = {line.split(",")[1]: line.split(",")[4] for line in lines[1:]}
    assert rows == {employee.email: "3", "other@example.com": "3.1"}


def test_api_status_adds_version_labels_and_keeps_the_integers(
    client, admin, employee, other_employee, signed
):
    token = issue(admin)
    later = client.get(
        f"/api/v1/employees/{other_employee.email}/status", headers=bearer(token)
    ).get_json()["policy"]
    assert later["current_version"] == 3 and later["signed_version"] == 3
    assert later["current_version_label"] == "3.1" and later["signed_version_label"] == "3.1"
    first = client.get(
        f"/api/v1/employees/{employee.email}/status", headers=bearer(token)
    ).get_json()["policy"]
    assert first["current_version_label"] == "3.1" and first["signed_version_label"] == "3"
    schema = client.get("/api/v1/openapi.json", headers=bearer(token)).get_json()
    policy = json.dumps(schema)
    assert '"current_version_label"' in policy and '"signed_version_label"' in policy
