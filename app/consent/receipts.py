"""Receipts of consent decisions: a PDF for people and a JSON consent receipt for machines.

The JSON carries the fields of Kantara Consent Receipt 1.1 and the record fields of ISO/IEC TS
27560 that apply to an image-use decision; its schema is schemas/consent-receipt.schema.json and
schemas/README.md maps each field to where its value comes from. It is built by `json_receipt`
alone, as a plain dictionary, so that signing (JWS) can wrap it unchanged. Every sentence in it
is in the reader's language.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from app.consent import controller, decisions, evidence
from app.core import codes, settings, when
from app.evidence import attachments, signed_documents
from app.models.consent import ConsentDecision, ConsentEvent
from app.pdf.receipt import ReceiptDocument, render_receipt
from app.web import public_url

KANTARA_VERSION = "KI-CR-v1.1.0"
SCHEMA_VERSION = "charte-consent-receipt/2.0"
# DPV terms (https://w3id.org/dpv) for the ISO/IEC TS 27560 fields that name a concept.
LEGAL_BASIS = "dpv:Consent"
CONSENT_TYPE = "dpv:ExplicitlyExpressedConsent"
STATES = {
    ConsentDecision.GRANTED: "dpv:ConsentGiven",
    ConsentDecision.REFUSED: "dpv:ConsentRefused",
    ConsentDecision.REVOKED: "dpv:ConsentWithdrawn",
}


def _collection_method(event: ConsentEvent) -> str:
    if event.on_behalf:
        return _("Paper form signed by the employee, recorded in Charte by HR on their behalf")
    return _("Web form on the “My image” page of Charte, completed by the employee")


def _pii_category(medium: str) -> str:
    if medium == "video":
        return _("Videos in which you are recognisable (image and voice)")
    return _("Photos in which you are recognisable")


def _termination(event: ConsentEvent) -> str:
    if event.decision != ConsentDecision.GRANTED:
        return _("No consent is in force: this decision allows no use of your image.")
    if event.valid_until:
        return _(
            "Ends when you withdraw it on the “My image” page, and at the latest on %(date)s.",
            date=when.day(event.valid_until),
        )
    return _("Ends when you withdraw it on the “My image” page.")


def _recipients(event: ConsentEvent) -> list[str]:
    purpose = event.purpose
    found = []
    if purpose.audience == "internal":
        found.append(
            _("People with an account on the internal tools: employees, interns and contractors")
        )
    elif purpose.audience == "public":
        found.append(_("The public: anyone who sees the publication"))
    if purpose.third_parties:
        found.append(purpose.third_parties)
    return found


def _purpose(event: ConsentEvent, title: str) -> dict[str, Any]:
    purpose = event.purpose
    third_party = None if purpose.audience is None else purpose.audience == "public"
    return {
        "purpose": title,
        "purposeId": purpose.slug,
        "purposeCategory": [purpose.purpose_category] if purpose.purpose_category else [],
        "consentType": "EXPLICIT",
        "piiCategory": [_pii_category(event.medium)],
        "primaryPurpose": True,
        "termination": _termination(event),
        "thirdPartyDisclosure": third_party,
        "thirdPartyName": purpose.third_parties if third_party else None,
        "recipients": _recipients(event),
    }


def json_receipt(
    event: ConsentEvent,
    title: str,
    *,
    withdrawal_url: str,
    verify_url: str,
    locale: str,
) -> dict[str, Any]:
    """The consent receipt of one event, as a JSON-ready dictionary in the reader's language.

    The event must be loaded with its person, recorder and purpose. `publicKey` and any
    signature are not set here: signing adds them around this dictionary.
    """
    organisation = settings.organisation_variables()["organisation_name"]
    recorder = event.recorded_by
    record_id = f"urn:charte:consent-event:{event.code}"
    with force_locale(locale):
        return {
            # Kantara Consent Receipt 1.1
            "version": KANTARA_VERSION,
            "jurisdiction": controller.jurisdiction(),
            "consentTimestamp": int(event.recorded_at.timestamp()),
            "collectionMethod": _collection_method(event),
            "consentReceiptID": record_id,
            "language": locale,
            "piiPrincipalId": f"urn:charte:user:{event.user.id}",
            "piiControllers": [controller.pii_controller(organisation)],
            "policyUrl": controller.policy_url(),
            "services": [
                {
                    "service": _(
                        "Use of employees' images by %(organisation)s", organisation=organisation
                    ),
                    "purposes": [_purpose(event, title)],
                }
            ],
            # Photos and videos are not special-category data (GDPR recital 51) unless processed
            # to identify people by biometric means, which Charte never does.
            "sensitive": False,
            "spiCat": [],
            # ISO/IEC TS 27560 record fields
            "schemaVersion": SCHEMA_VERSION,
            "recordId": record_id,
            "principal": {
                # As sealed in the record when it was made, never the live account.
                "name": evidence.holder_name(event),
                "email": evidence.holder_email(event),
            },
            "legalBasis": {
                "id": LEGAL_BASIS,
                "description": _("consent (GDPR art. 6(1)(a))"),
            },
            "media": [event.medium],
            "notice": {
                "id": f"urn:charte:consent-text:{event.purpose.slug}:v{event.text_version}:"
                f"{event.text_locale}",
                "version": event.text_version,
                "language": event.text_locale,
                "sha256": event.text_sha256,
                "url": withdrawal_url,
            },
            "event": {
                "time": event.recorded_at.isoformat(),
                "type": CONSENT_TYPE,
                "state": event.decision,
                "stateId": STATES.get(ConsentDecision(event.decision)),
                "stateLabel": decisions.decision_label(event.decision),
                "by": {
                    "id": f"urn:charte:user:{event.recorded_by_id}"
                    if event.recorded_by_id
                    else None,
                    "name": recorder.full_name if recorder else None,
                },
                "onBehalf": bool(event.on_behalf),
                "paperReference": event.paper_reference,
            },
            "validity": {
                "from": event.valid_from.isoformat(),
                "until": event.valid_until.isoformat() if event.valid_until else None,
            },
            "withdrawalMethod": {
                "description": _(
                    "Withdraw at any time with one click on the “My image” page; no reason is "
                    "asked and withdrawal takes effect at once for future uses."
                ),
                "url": withdrawal_url,
            },
            "verification": {"code": codes.format_code(event.code), "url": verify_url},
        }


ATTACHMENT_NAME = "consent-receipt.json"


def signed_json_receipt(
    event: ConsentEvent, title: str, *, withdrawal_url: str, verify_url: str, locale: str
) -> dict[str, Any]:
    """The consent receipt with the chain head at the decision and its JWS signature."""
    receipt = json_receipt(
        event, title, withdrawal_url=withdrawal_url, verify_url=verify_url, locale=locale
    )
    head = signed_documents.issue_head("consent_event", event.id)
    return signed_documents.sign(receipt, head)


def pdf_receipt(
    event: ConsentEvent,
    title: str,
    *,
    locale: str,
    verify_url: str,
    signed: dict[str, Any] | None = None,
) -> bytes:
    """The PDF receipt of one event, in the reader's language, with the signed JSON attached."""
    with force_locale(locale):
        recorded_by = event.recorded_by.full_name if event.recorded_by else "—"
        if event.on_behalf:
            recorded_by += " — " + _("recorded by HR on behalf of the employee")
        rows = [
            (_("Person"), evidence.holder_name(event) or "—"),
            (_("Purpose"), title),
            (_("Medium"), decisions.medium_label(event.medium)),
            (_("Decision"), decisions.decision_label(event.decision)),
            (_("Valid from"), when.day(event.valid_from)),
            (_("Valid until"), when.day(event.valid_until) if event.valid_until else "—"),
            (
                _("Recorded"),
                when.moment(event.recorded_at, "long") + "\n" + when.utc_moment(event.recorded_at),
            ),
            (_("Recorded by"), recorded_by),
        ]
        if event.on_behalf:
            rows.append((_("Paper form reference"), event.paper_reference or "—"))
            received = attachments.received_hash("consent_event", event)
            if received:
                # The scanned form as HR uploaded it (an image is stored re-encoded).
                rows.append((_("SHA-256 of the scanned form as uploaded"), received))
        contact = controller.privacy_contact()
        if contact and (contact["name"] or contact["email"]):
            named = " — ".join(v for v in (contact["name"], contact["email"]) if v)
            rows.append((_("Data-protection contact"), named))
        rows += [
            (_("Text version"), f"{event.text_version} ({event.text_locale})"),
            (_("Text SHA-256"), event.text_sha256),
            (_("Legal basis"), _("consent (GDPR art. 6(1)(a))")),
        ]
        if signed is not None:
            rows += signed_documents.printed_rows(signed, ATTACHMENT_NAME)
        document = ReceiptDocument(
            organisation_name=settings.organisation_variables()["organisation_name"],
            heading=_("Image-use consent receipt"),
            rows=tuple(rows),
            code_label=_("Verification code"),
            code=codes.format_code(event.code),
            verify_url=verify_url,
            verify_hint=_("Scan the code or open the address to check this record is genuine."),
            footer=_(
                "You can withdraw a consent at any time from the “My image” page or, after "
                "leaving, at %(url)s or by writing to the data-protection contact. Refusing or "
                "withdrawing has no consequence on your employment or evaluation; uses made "
                "while the consent was valid remain lawful, but ongoing uses stop.",
                url=public_url("consent_leaver.ask"),
            ),
            pdf_subject=_("Image-use consent receipt"),
            language=locale,
            attachment=(
                signed_documents.attachment(signed, ATTACHMENT_NAME) if signed is not None else None
            ),
        )
    return render_receipt(document)
