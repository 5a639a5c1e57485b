"""The "My image" pages: one-click decisions, CSRF, double submission, receipts, ownership."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.consent import controller, texts
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.consent import ConsentEvent
from tests.conftest import post_form
from tests.consent_helpers import decide, purpose

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "consent-receipt.schema.json").read_text()
)


def _form(slug, medium, decision, **extra):
    p = purpose(slug)
    return {
        "purpose_id": p.id,
        "medium": medium,
        "decision": decision,
        "text_id": texts.current_texts("en")[p.id].id,
        **extra,
    }


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(ConsentEvent))


def test_page_shows_every_purpose_and_medium_with_nothing_pre_ticked(
    client, auth, employee, purposes
):
    auth.login(employee.email)
    html = client.get("/me/image").get_data(as_text=True)
    for title in ("Internal communication", "Company website", "Advertising and print"):
        assert title in html
    assert html.count("never asked") >= 4
    assert "no consequence on your employment or your evaluation" in html
    assert "Uses made while your consent was valid remain lawful, but ongoing uses stop" in html
    assert "not affected" not in html
    assert "checked" not in html and "<details" in html
    assert "Charte Demo SA" in html and "{{" not in html


def test_page_names_the_data_protection_contact_once_an_admin_sets_it(
    client, auth, employee, admin, purposes
):
    auth.login(employee.email)
    assert "to withdraw after you leave" not in client.get("/me/image").get_data(as_text=True)
    settings.update(
        {
            controller.PRIVACY_CONTACT.key: "Data protection officer",
            controller.PRIVACY_EMAIL.key: "dpo@example.com",
            controller.POLICY_URL.key: "https://example.com/privacy",
        },
        actor=admin,
        client=ClientInfo.system(),
    )
    html = client.get("/me/image").get_data(as_text=True)
    assert "or to withdraw after you leave (no account needed)" in html
    assert "Data protection officer" in html and 'href="mailto:dpo@example.com"' in html
    assert 'href="https://example.com/privacy">Privacy policy</a>' in html


def test_grant_then_revoke_by_one_click(client, auth, employee, purposes):
    auth.login(employee.email)
    response = post_form(
        client,
        "/me/image/decide",
        _form("company-website", "photo", "granted"),
        page="/me/image",
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Consent recorded for “Company website” (photo)" in html
    assert "granted until" in html and "Withdraw" in html
    response = post_form(
        client,
        "/me/image/decide",
        _form("company-website", "photo", "revoked"),
        page="/me/image",
        follow_redirects=True,
    )
    assert "Consent withdrawn" in response.get_data(as_text=True)
    assert "revoked on" in response.get_data(as_text=True)
    assert _count() == 2


def test_double_submission_records_nothing_new_and_says_so(client, auth, employee, purposes):
    auth.login(employee.email)
    data = _form("social-media", "video", "granted", valid_until="2027-06-30")
    post_form(client, "/me/image/decide", data, page="/me/image")
    response = post_form(client, "/me/image/decide", data, page="/me/image", follow_redirects=True)
    assert "Nothing changed: this decision was already recorded." in response.get_data(as_text=True)
    assert _count() == 1


def test_missing_csrf_is_refused_and_records_nothing(client, auth, employee, purposes):
    auth.login(employee.email)
    response = client.post("/me/image/decide", data=_form("social-media", "photo", "granted"))
    assert response.status_code == 400
    assert _count() == 0


def test_a_changed_text_must_be_read_again(client, auth, employee, purposes):
    auth.login(employee.email)
    data = _form("social-media", "photo", "granted")
    data["text_id"] = texts.current_texts("en")[purpose("company-website").id].id
    response = post_form(client, "/me/image/decide", data, page="/me/image", follow_redirects=True)
    assert "The consent text has changed" in response.get_data(as_text=True)
    assert _count() == 0


def test_receipts_of_others_are_404(client, auth, employee, other_employee, purposes):
    mine = decide(employee, "company-website", "photo", "granted")
    theirs = decide(other_employee, "company-website", "photo", "granted")
    auth.login(employee.email)
    assert client.get(f"/me/image/receipts/{mine.id}.pdf").status_code == 200
    assert client.get(f"/me/image/receipts/{theirs.id}.pdf").status_code == 404
    assert client.get(f"/me/image/receipts/{theirs.id}.json").status_code == 404
    assert client.get("/me/image/receipts/9999.json").status_code == 404
    # There is no way to act for someone else: the form always applies to the signed-in person.
    assert "Olivier" not in client.get("/me/image").get_data(as_text=True)


def test_json_receipt_validates_against_the_schema(client, auth, employee, hr, purposes):
    granted = decide(employee, "company-website", "video", "granted", until=date(2027, 5, 1))
    paper = decide(employee, "social-media", "photo", "refused", actor=hr, paper="Form 7")
    auth.login(employee.email)
    receipt = client.get(f"/me/image/receipts/{granted.id}.json").get_json()
    jsonschema.validate(receipt, SCHEMA)
    assert receipt["version"] == "KI-CR-v1.1.0" and receipt["jurisdiction"] == "EU"
    assert receipt["consentTimestamp"] == int(granted.recorded_at.timestamp())
    assert receipt["legalBasis"]["id"] == "dpv:Consent"
    assert receipt["media"] == ["video"] and receipt["event"]["state"] == "granted"
    assert receipt["event"]["stateId"] == "dpv:ConsentGiven"
    assert receipt["validity"]["until"] == "2027-05-01"
    assert receipt["withdrawalMethod"]["url"].endswith("/me/image")
    assert receipt["notice"]["sha256"] == granted.text_sha256
    purpose_entry = receipt["services"][0]["purposes"][0]
    assert purpose_entry["purposeCategory"] == ["dpv:PublicRelations"]
    assert purpose_entry["thirdPartyDisclosure"] is True
    assert "May 1, 2027" in purpose_entry["termination"]
    assert receipt["sensitive"] is False and receipt["spiCat"] == []
    on_behalf = client.get(f"/me/image/receipts/{paper.id}.json").get_json()
    jsonschema.validate(on_behalf, SCHEMA)
    assert on_behalf["event"]["onBehalf"] is True
    assert on_behalf["event"]["paperReference"] == "Form 7"
    assert on_behalf["event"]["by"]["name"] == hr.full_name
    assert "Paper form" in on_behalf["collectionMethod"]
    social = on_behalf["services"][0]["purposes"][0]
    # The official accounts setting names the social networks the images are shown on.
    assert "LinkedIn" in social["thirdPartyName"] and "LinkedIn" in social["recipients"][-1]
    broken = {**receipt, "legalBasis": {"id": "dpv:LegitimateInterest", "description": "x"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, SCHEMA)


def test_pdf_receipt_shows_the_decision_and_on_behalf_mark(
    client, auth, employee, hr, purposes, tmp_path
):
    event = decide(employee, "social-media", "photo", "granted", actor=hr, paper="Form 9")
    auth.login(employee.email)
    response = client.get(f"/me/image/receipts/{event.id}.pdf")
    assert response.mimetype == "application/pdf"
    path = tmp_path / "r.pdf"
    path.write_bytes(response.data)
    text = " ".join(page.extract_text() for page in PdfReader(path).pages)
    text = " ".join(text.split())
    assert "Élodie Employée" in text and event.text_sha256 in text
    assert "recorded by HR on behalf of the employee" in text and "Form 9" in text
    # Nothing configured: no contact row, but the footer still gives leavers their way out.
    assert "Data-protection contact" not in text
    assert "after leaving, at http" in text and "/image-consent/leaver or by writing" in text
    assert "ongoing uses stop" in text and "not affected" not in text


def test_pdf_receipt_prints_the_data_protection_contact(client, auth, employee, admin, purposes):
    settings.update(
        {
            controller.PRIVACY_CONTACT.key: "Data protection officer",
            controller.PRIVACY_EMAIL.key: "dpo@example.com",
        },
        actor=admin,
        client=ClientInfo.system(),
    )
    event = decide(employee, "company-website", "photo", "granted")
    auth.login(employee.email)
    pdf = client.get(f"/me/image/receipts/{event.id}.pdf").data
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Data-protection contact Data protection officer — dpo@example.com" in text


def test_verification_page_confirms_a_receipt(client, employee, purposes):
    event = decide(employee, "company-website", "photo", "granted")
    html = client.get(f"/image-consent/verify/{event.code.lower()}").get_data(as_text=True)
    assert "The record itself is genuine" in html and "Company website" in html
    assert client.get("/image-consent/verify/NOTACODE").status_code == 404


def test_history_shows_text_version_and_on_behalf(client, auth, employee, hr, purposes):
    decide(employee, "advertising-print", "photo", "granted", actor=hr, paper="PF-1")
    auth.login(employee.email)
    html = client.get("/me/image").get_data(as_text=True)
    assert "recorded by HR on behalf of the employee" in html and "PF-1" in html
    assert "text version 2" in html
