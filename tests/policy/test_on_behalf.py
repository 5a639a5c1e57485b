"""Paper signatures and consent scans recorded by HR: checked files, labels, access, evidence."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from app.consent import texts
from app.core import audit
from app.core.client import ClientInfo
from app.evidence import attachments
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.consent import ConsentEvent
from app.models.privacy import EvidenceAttachment
from tests.conftest import csrf_token
from tests.consent_helpers import purpose
from tests.policy_helpers import publish
from tests.privacy_helpers import pdf_bytes, png_bytes

URL = "/hr/people/{id}/paper-signature"


@pytest.fixture
def published(app):
    return publish(1)


def _record(client, person, *, data: bytes, filename: str, name=None, reference="P-001", csrf=True):
    url = URL.format(id=person.id)
    form = {
        "version": "1",
        "locale": "en",
        "typed_name": name or person.full_name,
        "paper_reference": reference,
        "scan": (io.BytesIO(data), filename),
    }
    if csrf:
        form["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=form, content_type="multipart/form-data")


def test_hr_records_a_paper_signature_labelled_everywhere(client, auth, hr, employee, published):
    auth.login(hr.email)
    response = _record(client, employee, data=pdf_bytes(), filename="form.pdf")
    assert response.status_code == 302
    ack = db.session.scalar(db.select(Acknowledgement))
    assert ack.on_behalf and ack.recorded_by_id == hr.id and ack.paper_reference == "P-001"
    assert ack.auth_method == "paper-recorded-by-hr"
    scan = db.session.get(EvidenceAttachment, ack.attachment_id)
    assert scan.content_type == "application/pdf" and len(scan.sha256) == 64
    assert audit.verify_all().ok
    receipt = client.get(f"/policy/receipts/{ack.id}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.data)).pages)
    assert "recorded by HR on behalf" in " ".join(text.split())
    auth.logout()
    auth.login(employee.email)
    page = client.get("/me").get_data(as_text=True)
    assert "recorded by HR on behalf of the employee" in page
    assert f"/me/attachments/{scan.id}" in page
    download = client.get(f"/me/attachments/{scan.id}")
    assert download.status_code == 200 and download.data.startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"just some text, not a scan\n", "form.pdf"),  # text renamed .pdf
        (png_bytes(), "form.pdf"),  # a PNG claiming to be a PDF
        (pdf_bytes(), "form.png"),  # a PDF claiming to be a PNG
        (b"%PDF-1.4 truncated", "form.pdf"),  # PDF magic without a body
        (pdf_bytes(), "form.exe"),
    ],
)
def test_fake_or_wrong_files_are_refused(client, auth, hr, employee, published, data, filename):
    auth.login(hr.email)
    response = _record(client, employee, data=data, filename=filename)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert any(
        message in page
        for message in ("does not match its name", "Only PDF, PNG or JPEG", "not a readable PDF")
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(Acknowledgement)) == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(EvidenceAttachment)) == 0


def test_png_scans_are_accepted(client, auth, hr, employee, published):
    auth.login(hr.email)
    assert _record(client, employee, data=png_bytes(), filename="form.PNG").status_code == 302


def test_scan_size_is_limited(app, client, auth, hr, employee, published):
    app.config["ATTACHMENT_MAX_BYTES"] = 2000
    auth.login(hr.email)
    response = _record(client, employee, data=pdf_bytes("x" * 10) + b" " * 3000, filename="f.pdf")
    assert "too large" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(Acknowledgement)) == 0


def test_name_must_match_and_csrf_is_required(client, auth, hr, employee, published):
    auth.login(hr.email)
    response = _record(client, employee, data=pdf_bytes(), filename="f.pdf", name="Someone Else")
    assert "must be the account" in response.get_data(as_text=True)
    assert (
        _record(client, employee, data=pdf_bytes(), filename="f.pdf", csrf=False).status_code == 400
    )
    assert db.session.scalar(db.select(db.func.count()).select_from(Acknowledgement)) == 0


def test_employee_cannot_record_paper_signatures(client, auth, employee, other_employee, published):
    auth.login(employee.email)
    assert client.get(URL.format(id=other_employee.id)).status_code == 403


def test_scans_are_reachable_only_by_hr_and_the_person(
    client, auth, hr, employee, other_employee, published
):
    auth.login(hr.email)
    _record(client, employee, data=pdf_bytes(), filename="form.pdf")
    scan_id = db.session.scalar(db.select(EvidenceAttachment.id))
    assert client.get(f"/me/attachments/{scan_id}").status_code == 200
    auth.logout()
    auth.login(other_employee.email)
    assert client.get(f"/me/attachments/{scan_id}").status_code == 404
    assert client.get("/me/attachments/9999").status_code == 404


def test_an_altered_scan_is_detected(client, auth, hr, employee, published):
    from sqlalchemy import text

    from tests.conftest import BACKEND

    auth.login(hr.email)
    _record(client, employee, data=pdf_bytes(), filename="form.pdf")
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))
    db.session.execute(text("UPDATE evidence_attachment SET data = :d"), {"d": pdf_bytes("forged")})
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))
    report = audit.verify_all()
    assert any("attachment" in p and "SHA-256" in p for p in report.problems)


def test_consent_on_behalf_keeps_its_scan(client, auth, hr, employee):
    texts.sync_from_files(actor=None, client=ClientInfo.system())
    website_id = purpose("company-website").id
    auth.login(hr.email)
    url = f"/hr/consent/people/{employee.id}"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "purpose_medium": f"{website_id}:photo",
            "decision": "granted",
            "text_locale": "en",
            "paper_reference": "FORM-7",
            "scan": (io.BytesIO(png_bytes()), "consent.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    event = db.session.scalar(db.select(ConsentEvent))
    assert event.on_behalf and event.attachment_id
    assert audit.verify_all().ok
    page = client.get(url).get_data(as_text=True)
    assert f"/me/attachments/{event.attachment_id}" in page
    bad = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "purpose_medium": f"{website_id}:video",
            "decision": "granted",
            "text_locale": "en",
            "paper_reference": "FORM-8",
            "scan": (io.BytesIO(b"hello"), "consent.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert "Only PDF, PNG or JPEG" in bad.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(ConsentEvent)) == 1


def test_detect_reads_content_not_names():
    assert attachments.detect(pdf_bytes()) == attachments.PDF
    assert attachments.detect(png_bytes()) == attachments.PNG
    assert attachments.detect(b"\xff\xd8\xff\xe0rest\xff\xd9") == attachments.JPEG
    assert attachments.detect(b"GIF89a") is None
