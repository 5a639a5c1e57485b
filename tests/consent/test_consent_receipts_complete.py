"""JSON consent receipts: every Kantara CR 1.1 / ISO 27560 field that applies, in one language."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import jsonschema
import pytest
from flask_babel import refresh
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.consent import controller, receipts, texts
from app.consent.texts import ConsentTextError
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.consent import ConsentEvent
from tests.consent_helpers import decide, purpose

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas" / "consent-receipt.schema.json").read_text()
)
# Sentences of the English receipts; none may appear in a French one.
ENGLISH = (
    "Withdraw at any time",
    "consent (GDPR",
    "Web form",
    "Paper form",
    "The public",
    "People with an account",
    "Photos in which",
    "Videos in which",
    "Use of employees",
    "Ends when you withdraw",
    "No consent is in force",
    '"Granted"',
    '"Refused"',
    '"Revoked"',
)


def _loaded(event) -> ConsentEvent:
    """The event with what a receipt reads (person, recorder, purpose), as the routes load it."""
    return db.session.scalar(
        select(ConsentEvent)
        .where(ConsentEvent.id == event.id)
        .execution_options(populate_existing=True)
        .options(
            joinedload(ConsentEvent.user),
            joinedload(ConsentEvent.recorded_by),
            joinedload(ConsentEvent.purpose),
        )
    )


def _receipt(event, locale: str) -> dict:
    event = _loaded(event)
    title = texts.titles(locale)[event.purpose_id]
    # The receipt as served: signed, with the chain head (the schema requires both).
    return receipts.signed_json_receipt(
        event,
        title,
        withdrawal_url="https://charte.test/me/image",
        verify_url=f"https://charte.test/image-consent/verify/{event.code}",
        locale=locale,
    )


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_unconfigured_controller_fields_are_null_not_invented(app, employee, purposes):
    event = decide(employee, "internal-communication", "photo", "granted")
    receipt = _receipt(event, "en")
    jsonschema.validate(receipt, SCHEMA)
    entry = receipt["piiControllers"][0]
    assert entry["piiController"] == "Charte Demo SA"
    assert entry["address"] is None and entry["email"] is None and entry["phone"] is None
    assert receipt["policyUrl"] is None
    internal = receipt["services"][0]["purposes"][0]
    assert internal["thirdPartyDisclosure"] is False and internal["thirdPartyName"] is None
    assert internal["purposeCategory"] == ["dpv:CommunicationManagement"]
    assert internal["recipients"][0].startswith("People with an account")


def test_admin_settings_fill_the_controller_fields(app, employee, admin, purposes):
    values = {
        controller.JURISDICTION.key: "FR",
        controller.PRIVACY_CONTACT.key: "Déléguée à la protection des données",
        controller.PRIVACY_EMAIL.key: "dpo@example.com",
        controller.PHONE.key: "+33 1 23 45 67 89",
        controller.STREET_ADDRESS.key: "1 rue de la Paix",
        controller.POSTAL_CODE.key: "75002",
        controller.LOCALITY.key: "Paris",
        controller.COUNTRY.key: "fr",
        controller.WEBSITE.key: "https://example.com",
        controller.POLICY_URL.key: "https://example.com/privacy",
    }
    settings.update(values, actor=admin, client=ClientInfo.system())
    event = decide(employee, "company-website", "photo", "granted")
    receipt = _receipt(event, "en")
    jsonschema.validate(receipt, SCHEMA)
    entry = receipt["piiControllers"][0]
    assert receipt["jurisdiction"] == "FR" and receipt["policyUrl"] == "https://example.com/privacy"
    assert (
        entry["email"] == "dpo@example.com" and entry["piiControllerUrl"] == "https://example.com"
    )
    assert entry["address"] == {
        "streetAddress": "1 rue de la Paix",
        "postalCode": "75002",
        "addressLocality": "Paris",
        "addressCountry": "FR",
    }


def test_a_policy_address_that_is_not_a_web_address_is_not_printed(app, employee, admin, purposes):
    settings.update(
        {controller.POLICY_URL.key: "javascript:alert(1)"}, actor=admin, client=ClientInfo.system()
    )
    receipt = _receipt(decide(employee, "company-website", "photo", "granted"), "en")
    jsonschema.validate(receipt, SCHEMA)
    assert receipt["policyUrl"] is None


@pytest.mark.parametrize("decision", ["granted", "refused", "revoked"])
def test_french_receipt_has_no_english_sentence(app, employee, hr, purposes, decision):
    if decision == "revoked":
        decide(employee, "social-media", "video", "granted")
    event = decide(employee, "social-media", "video", decision, actor=hr, paper="F-1")
    french, english = _receipt(event, "fr"), _receipt(event, "en")
    jsonschema.validate(french, SCHEMA)
    assert french["language"] == "fr"
    dumped = json.dumps(french, ensure_ascii=False)
    for sentence in ENGLISH:
        assert sentence not in dumped, sentence
    # Every sentence the English receipt carries is translated in the French one.
    sentences = {s for s in _strings(english) if " " in s and not s.startswith("http")}
    shared = sentences & set(_strings(french))
    names = {"Charte Demo SA", employee.full_name, hr.full_name}
    assert shared <= names | {"LinkedIn : Charte Demo SA, Instagram : @chartedemo"}


def test_french_json_receipt_route_is_in_french(client, auth, employee, purposes):
    employee.locale = "fr"
    db.session.commit()
    event = decide(employee, "company-website", "photo", "granted", locale="fr")
    auth.login(employee.email)
    refresh()  # the test's app context outlives requests: forget the locale it cached
    receipt = client.get(f"/me/image/receipts/{event.id}.json").get_json()
    jsonschema.validate(receipt, SCHEMA)
    assert receipt["language"] == "fr"
    assert receipt["services"][0]["purposes"][0]["purpose"] == "Site internet de l’entreprise"
    assert "Retirez-le" in receipt["withdrawalMethod"]["description"] or "retir" in (
        receipt["withdrawalMethod"]["description"].lower()
    )
    for sentence in ENGLISH:
        assert sentence not in json.dumps(receipt, ensure_ascii=False)


def test_french_pdf_consent_receipt_has_no_english_label(client, auth, employee, hr, purposes):
    employee.locale = "fr"
    db.session.commit()
    event = decide(employee, "social-media", "photo", "granted", actor=hr, paper="F-9")
    auth.login(employee.email)
    refresh()  # the test's app context outlives requests: forget the locale it cached
    pdf = client.get(f"/me/image/receipts/{event.id}.pdf").data
    content = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Reçu" in content and "F-9" in content
    for english in (
        "Image-use consent receipt",
        "Person",
        "Purpose",
        "Decision",
        "Valid from",
        "Recorded by",
        "Legal basis",
        "Verification code",
        "You can withdraw",
        "recorded by HR",
        "Scan the code",
    ):
        assert not re.search(rf"\b{re.escape(english)}\b", content), english


def test_purpose_without_declared_facts_still_validates(app, employee, purposes):
    p = purpose("advertising-print")
    p.audience = p.purpose_category = p.third_parties = None
    db.session.commit()
    receipt = _receipt(decide(employee, "advertising-print", "photo", "granted"), "en")
    jsonschema.validate(receipt, SCHEMA)
    entry = receipt["services"][0]["purposes"][0]
    assert entry["thirdPartyDisclosure"] is None and entry["purposeCategory"] == []


def test_sync_fills_facts_of_purposes_created_before_them(app, purposes):
    p = purpose("advertising-print")
    p.audience = p.purpose_category = None
    db.session.commit()
    report = texts.sync_from_files(actor=None, client=ClientInfo.system())
    assert report.purposes_described == ["advertising-print"]
    db.session.refresh(p)
    assert (p.audience, p.purpose_category) == ("public", "dpv:Advertising")
    entry = db.session.query(AuditEvent).order_by(AuditEvent.seq.desc()).first()
    assert json.loads(entry.details)["described"] == ["advertising-print"]
    # A second import changes nothing.
    assert texts.sync_from_files(actor=None, client=ClientInfo.system()).purposes_described == []


def test_bad_front_matter_is_refused(app, tmp_path):
    bad = tmp_path / "x.en.md"
    header = "slug: x\ntitle: X\nmedia: [photo]\nversion: 1\ndefault_duration_months: 12\n"
    bad.write_text(f"---\n{header}audience: everyone\n---\nBody\n")
    with pytest.raises(ConsentTextError, match="audience"):
        texts.parse_file(bad)
    bad.write_text(f"---\n{header}purpose_category: Marketing\n---\nBody\n")
    with pytest.raises(ConsentTextError, match="purpose_category"):
        texts.parse_file(bad)


def test_admin_fills_the_controller_through_the_settings_page(
    client, auth, admin, employee, purposes
):
    from tests.conftest import post_form

    auth.login(admin.email)
    page = client.get("/admin/settings").get_data(as_text=True)
    assert "Data controller (consent receipts)" in page and "controller.privacy_email" in page
    values = {
        key: (
            "\n".join(v)
            if isinstance(v := settings.get(spec), list)
            else ("on" if v is True else ("" if v is False else str(v)))
        )
        for key, spec in settings.declared().items()
    }
    bad = {**values, "controller.privacy_email": "not an email"}
    response = post_form(client, "/admin/settings", bad, page="/admin/settings")
    assert "Nothing was saved" in response.get_data(as_text=True)
    good = {**values, "controller.privacy_email": "dpo@example.com", "controller.country": "FR"}
    post_form(client, "/admin/settings", good, page="/admin/settings")
    from flask import g

    g.pop("_charte_settings", None)
    receipt = _receipt(decide(employee, "company-website", "photo", "granted"), "en")
    jsonschema.validate(receipt, SCHEMA)
    assert receipt["piiControllers"][0]["email"] == "dpo@example.com"
    assert receipt["piiControllers"][0]["address"]["addressCountry"] == "FR"
