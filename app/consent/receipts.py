"""Receipts of consent decisions: a PDF for people and a JSON consent receipt for machines.

The JSON follows the fields of ISO/IEC TS 27560 and the Kantara consent receipt; its schema is
schemas/consent-receipt.schema.json.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from app.consent import decisions, evidence
from app.core import codes, settings
from app.models.consent import ConsentEvent
from app.pdf.receipt import ReceiptDocument, render_receipt

RECEIPT_VERSION = "charte-consent-receipt/1.0"
LEGAL_BASIS = "consent (GDPR art. 6(1)(a))"


def json_receipt(
    event: ConsentEvent, title: str, *, withdrawal_url: str, verify_url: str
) -> dict[str, Any]:
    """The consent receipt of one event, as a JSON-ready dictionary."""
    variables = settings.organisation_variables()
    recorder = event.recorded_by
    return {
        "receipt_version": RECEIPT_VERSION,
        "record_id": f"urn:charte:consent-event:{event.code}",
        "timestamp": event.recorded_at.isoformat(),
        "principal": {
            "id": f"urn:charte:user:{event.user.id}",
            "name": evidence.holder_name(event),
            "email": evidence.holder_email(event),
        },
        "controller": {
            "name": variables["organisation_name"],
            "contact": variables["communications_contact"],
        },
        "purpose": {"id": event.purpose.slug, "title": title},
        "media": [event.medium],
        "legal_basis": LEGAL_BASIS,
        "event": {
            "state": event.decision,
            "collection_method": "paper-form-recorded-by-hr" if event.on_behalf else "web-form",
            "recorded_by": {
                "id": f"urn:charte:user:{event.recorded_by_id}" if event.recorded_by_id else None,
                "name": recorder.full_name if recorder else None,
                "on_behalf_of_principal": bool(event.on_behalf),
                "paper_reference": event.paper_reference,
            },
        },
        "validity": {
            "from": event.valid_from.isoformat(),
            "until": event.valid_until.isoformat() if event.valid_until else None,
        },
        "withdrawal_method": {
            "description": "Withdraw at any time with one click on the “My image” page; no "
            "reason is asked and withdrawal takes effect at once for future uses.",
            "url": withdrawal_url,
        },
        "notice": {
            "text_version": event.text_version,
            "language": event.text_locale,
            "sha256": event.text_sha256,
        },
        "verification": {"code": codes.format_code(event.code), "url": verify_url},
    }


def pdf_receipt(event: ConsentEvent, title: str, *, locale: str, verify_url: str) -> bytes:
    """The PDF receipt of one event, in the reader's language."""
    with force_locale(locale):
        recorded_by = event.recorded_by.full_name if event.recorded_by else "—"
        if event.on_behalf:
            recorded_by += " — " + _("recorded by HR on behalf of the employee")
        rows = [
            (_("Person"), evidence.holder_name(event) or "—"),
            (_("Purpose"), title),
            (_("Medium"), decisions.medium_label(event.medium)),
            (_("Decision"), decisions.decision_label(event.decision)),
            (_("Valid from"), event.valid_from.isoformat()),
            (_("Valid until"), event.valid_until.isoformat() if event.valid_until else "—"),
            (_("Recorded at (UTC)"), event.recorded_at.strftime("%Y-%m-%d %H:%M:%S")),
            (_("Recorded by"), recorded_by),
        ]
        if event.on_behalf:
            rows.append((_("Paper form reference"), event.paper_reference or "—"))
        rows += [
            (_("Text version"), f"{event.text_version} ({event.text_locale})"),
            (_("Text SHA-256"), event.text_sha256),
            (_("Legal basis"), _("consent (GDPR art. 6(1)(a))")),
        ]
        document = ReceiptDocument(
            organisation_name=settings.organisation_variables()["organisation_name"],
            heading=_("Image-use consent receipt"),
            rows=tuple(rows),
            code_label=_("Verification code"),
            code=codes.format_code(event.code),
            verify_url=verify_url,
            verify_hint=_("Scan the code or open the address to check this record is genuine."),
            footer=_(
                "You can withdraw a consent at any time from the “My image” page. Refusing or "
                "withdrawing has no consequence on your employment or evaluation; uses made "
                "while the consent was valid are not affected."
            ),
            pdf_subject=_("Image-use consent receipt"),
            language=locale,
        )
    return render_receipt(document)
