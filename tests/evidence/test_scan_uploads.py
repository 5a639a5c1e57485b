"""Scans of paper forms: proven by decoding, images stored without metadata, PDFs within budget.

The samples (polyglots, bombs, active PDFs...) come from scripts/check_uploads.py, which runs the
same cases against a production-style install (see test_upload_install.py).
"""

from __future__ import annotations

import hashlib
import io
import json
import tomllib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.consent import texts
from app.core import audit
from app.core.client import ClientInfo
from app.evidence import attachments, scan_content
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from app.models.privacy import EvidenceAttachment
from scripts import check_uploads as samples
from tests.conftest import csrf_token
from tests.consent_helpers import purpose
from tests.policy_helpers import publish

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", samples.CASES, ids=[case.name for case in samples.CASES])
def test_each_sample_is_accepted_or_refused_as_it_should(app, case):
    assert samples.run_case(case) is None


def test_a_phone_photo_is_stored_upright_without_its_metadata(app):
    received = samples.phone_jpeg(64, 48)
    upload = attachments.check(received, "photo.JPG")
    stored = Image.open(io.BytesIO(upload.data))
    assert stored.format == "JPEG" and stored.size == (48, 64)  # orientation 6 applied
    assert dict(stored.getexif()) == {} and "comment" not in stored.info
    assert "icc_profile" not in stored.info and "xmp" not in stored.info
    # The left half was blue: once turned upright it is the top half.
    red, green, blue = stored.convert("RGB").getpixel((24, 5))
    assert blue > 150 and red < 100
    assert upload.sha256 == hashlib.sha256(upload.data).hexdigest()
    assert upload.received_sha256 == hashlib.sha256(received).hexdigest() != upload.sha256


def test_a_png_keeps_its_pixels_and_loses_its_text(app):
    upload = attachments.check(samples.png_with_text(), "scan.png")
    stored = Image.open(io.BytesIO(upload.data))
    assert stored.format == "PNG" and stored.size == (40, 30)
    assert stored.convert("RGB").getpixel((3, 3)) == (10, 120, 10)
    assert stored.info.get("Author") is None and b"Alice" not in upload.data


def test_the_pixel_limit_is_exact(app, monkeypatch):
    monkeypatch.setattr(scan_content, "MAX_IMAGE_PIXELS", 40 * 30)

    def png(width, height):
        out = io.BytesIO()
        Image.new("L", (width, height), 128).save(out, "PNG")
        return out.getvalue()

    attachments.check(png(40, 30), "ok.png")
    with pytest.raises(attachments.AttachmentError, match="too large"):
        attachments.check(png(41, 30), "big.png")


@pytest.mark.parametrize("size", [(40, 30), (100, 100)], ids=["bomb-warning", "bomb-error"])
def test_pillows_own_bomb_guard_is_a_refusal_too(app, monkeypatch, size):
    # Our limits out of the way: Pillow's warning (past its limit) and error (past twice it).
    monkeypatch.setattr(scan_content, "MAX_IMAGE_PIXELS", 10**12)
    monkeypatch.setattr(scan_content, "MAX_IMAGE_SIDE", 10**6)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    out = io.BytesIO()
    Image.new("L", size, 0).save(out, "PNG")
    with pytest.raises(attachments.AttachmentError, match="too large"):
        attachments.check(out.getvalue(), "bomb.png")


def test_a_real_pdf_is_stored_unchanged(app):
    received = samples.plain_pdf()
    upload = attachments.check(received, "form.pdf")
    assert upload.data == received and upload.sha256 == upload.received_sha256


def test_pdf_budgets_are_exact(app, monkeypatch):
    monkeypatch.setattr(scan_content, "MAX_PDF_PAGES", 3)
    attachments.check(samples.pdf_with_pages(3), "three.pdf")
    with pytest.raises(attachments.AttachmentError, match="too many pages"):
        attachments.check(samples.pdf_with_pages(4), "four.pdf")
    monkeypatch.setattr(scan_content, "MAX_PDF_OBJECTS", 50)
    attachments.check(samples.pdf_with_objects(50), "fifty.pdf")
    with pytest.raises(attachments.AttachmentError, match="too complex"):
        attachments.check(samples.pdf_with_objects(51), "more.pdf")


def test_validation_libraries_are_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {dep.split(">")[0].split("=")[0].split("[")[0].strip().lower()
               for dep in project["dependencies"]}  # fmt: skip
    assert {"pillow", "pypdf"} <= runtime
    # No fallback that would accept a file unchecked when a library is missing.
    for module in ("attachments.py", "scan_content.py"):
        assert "ImportError" not in (ROOT / "app" / "evidence" / module).read_text()


# --- through HR's pages ------------------------------------------------------------------------

PAPER_URL = "/hr/people/{id}/paper-signature"


def _paper_signature(client, person, data: bytes, filename: str):
    url = PAPER_URL.format(id=person.id)
    form = {
        "csrf_token": csrf_token(client, url),
        "version": "1",
        "locale": "en",
        "typed_name": person.full_name,
        "paper_reference": "P-001",
        "scan": (io.BytesIO(data), filename),
    }
    return client.post(url, data=form, content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_paper_signature_stores_and_seals_the_cleaned_photo(client, auth, hr, employee):
    publish(1)
    auth.login(hr.email)
    received = samples.phone_jpeg()
    assert _paper_signature(client, employee, received, "form.jpg").status_code == 302
    row = db.session.scalar(select(EvidenceAttachment))
    auth.logout()
    auth.login(employee.email)
    download = client.get(f"/me/attachments/{row.id}")
    assert download.status_code == 200 and download.data != received
    assert b"Exif" not in download.data and b"SERIAL-123456" not in download.data
    stored_hash = hashlib.sha256(download.data).hexdigest()
    assert row.sha256 == stored_hash and row.size == len(download.data)
    details = [json.loads(d) for d in db.session.scalars(select(AuditEvent.details))]
    assert stored_hash in [d.get("attachment_sha256") for d in details]
    assert audit.verify_all().ok


@pytest.mark.parametrize(
    ("build", "filename", "message"),
    [
        (samples.pixel_bomb_png, "form.png", "too large"),
        (samples.pdf_with_javascript, "form.pdf", "scripts, automatic actions"),
        (lambda: samples.phone_jpeg() + samples.zip_archive(), "form.jpg", "ZIP archive"),
        (samples.encrypted_pdf, "form.pdf", "Password-protected"),
    ],
    ids=["bomb", "javascript", "zip-polyglot", "encrypted"],
)
def test_the_paper_signature_page_says_why_and_records_nothing(
    client, auth, hr, employee, build, filename, message
):
    publish(1)
    auth.login(hr.email)
    response = _paper_signature(client, employee, build(), filename)
    assert response.status_code == 200 and message in response.get_data(as_text=True)
    assert _count(Acknowledgement) == 0 and _count(EvidenceAttachment) == 0


def test_the_consent_page_says_why_and_records_nothing(client, auth, hr, employee):
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
            "scan": (io.BytesIO(samples.png_header_on_garbage()), "consent.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "not a readable PNG image" in response.get_data(as_text=True)
    assert _count(ConsentEvent) == 0 and _count(EvidenceAttachment) == 0


# --- the file as HR uploaded it: its SHA-256 is audited and shown -----------------------------


def _pdf_words(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_uploaded_files_hash_is_audited_and_shown_for_a_paper_signature(
    client, auth, hr, employee
):
    publish(1)
    auth.login(hr.email)
    received = samples.phone_jpeg()
    received_sha256 = hashlib.sha256(received).hexdigest()
    response = _paper_signature(client, employee, received, "form.jpg")
    assert response.status_code == 302
    landing = client.get(response.location).get_data(as_text=True)
    assert received_sha256 in landing  # HR's confirmation names the file they uploaded
    ack = db.session.scalar(select(Acknowledgement))
    row = db.session.get(EvidenceAttachment, ack.attachment_id)
    assert row.sha256 != received_sha256  # stored re-encoded: its own hash differs
    entry = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.target_type == "acknowledgement", AuditEvent.target_id == str(ack.id)
        )
    )
    details = json.loads(entry.details)
    assert details["attachment_received_sha256"] == received_sha256
    assert details["attachment_sha256"] == row.sha256
    assert attachments.received_hash("acknowledgement", ack) == received_sha256
    receipt = client.get(f"/policy/receipts/{ack.id}.pdf")
    assert receipt.status_code == 200 and received_sha256 in _pdf_words(receipt.data)
    assert audit.verify_all().ok


def test_the_uploaded_files_hash_is_shown_on_hrs_consent_page_and_receipt(
    client, auth, hr, employee
):
    texts.sync_from_files(actor=None, client=ClientInfo.system())
    website_id = purpose("company-website").id
    received = samples.png_with_text()
    received_sha256 = hashlib.sha256(received).hexdigest()
    auth.login(hr.email)
    url = f"/hr/consent/people/{employee.id}"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "purpose_medium": f"{website_id}:photo",
            "decision": "granted",
            "text_locale": "en",
            "paper_reference": "FORM-8",
            "scan": (io.BytesIO(received), "consent.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    event = db.session.scalar(select(ConsentEvent))
    row = db.session.get(EvidenceAttachment, event.attachment_id)
    assert received_sha256 in page and row.sha256 != received_sha256
    assert "SHA-256 of the scanned form as uploaded" in page
    auth.logout()
    auth.login(employee.email)
    receipt = client.get(f"/me/image/receipts/{event.id}.pdf")
    assert receipt.status_code == 200 and received_sha256 in _pdf_words(receipt.data)
    assert audit.verify_all().ok


def test_a_decision_without_a_scan_records_no_uploaded_hash(app, employee, hr):
    from tests.consent_helpers import decide

    texts.sync_from_files(actor=None, client=ClientInfo.system())
    event = decide(employee, "company-website", "photo", "granted", actor=hr, paper="F-2")
    assert event.attachment_id is None
    assert attachments.received_hash("consent_event", event) is None
    assert attachments.received_hashes("consent_event", []) == {}
