"""Receipts for policy acknowledgements: the PDF and the public lookup of their codes."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any

import nh3
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.core import settings, when
from app.core.codes import format_code
from app.evidence import attachments, personal, signed_documents
from app.evidence.verification import VerificationResult
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyVersion
from app.pdf.receipt import ReceiptAnnex, ReceiptDocument, render_receipt
from app.policy import signing, versions

log = logging.getLogger(__name__)

KIND = "policy_acknowledgement"
RECEIPT_VERSION = "charte-signature-receipt/1.0"
ATTACHMENT_NAME = "signature-receipt.json"


def _text(ack: Acknowledgement):
    """The text the signature names: the revision with its digest, else the version's first one
    in that language (then a tampered text shows as a digest mismatch rather than vanishing)."""
    texts = [t for t in ack.policy_version.texts if t.locale == ack.locale]
    return next((t for t in texts if t.sha256 == ack.text_sha256), texts[0] if texts else None)


def signed_text_row(ack: Acknowledgement):
    """The stored policy text a signature names (see `_text`)."""
    return _text(ack)


@dataclass(frozen=True)
class SignedText:
    """The stored text of the version an acknowledgement signed, in the language it was signed in.

    `matches` is False when the stored text no longer hashes to the SHA-256 recorded in the
    signature: the text shown is then not proven to be the one signed, and readers must be told.
    """

    version: int
    locale: str
    title: str
    html: str
    markdown: str
    matches: bool
    label: str = ""  # the version as shown, down to the minor revision signed ("3", "3.1")

    @property
    def display_html(self) -> Markup:
        """The HTML cleaned again before it reaches a browser.

        Stored texts were cleaned at publication, so this changes nothing for a genuine text; a
        text altered in the database (the case the warning is about) cannot run script.
        """
        return Markup(nh3.clean(self.html))  # noqa: S704  # nosec B704 - sanitised by nh3


def signed_text(ack: Acknowledgement) -> SignedText | None:
    """The text as signed, from the stored policy text (None if the text row is missing)."""
    text = _text(ack)
    if text is None:
        return None
    # Recompute from the stored HTML rather than trusting the stored digest column: an edit of
    # the text behind the application's back must show, not only an edit of its digest.
    digest = versions.text_digest(text.html)
    matches = hmac.compare_digest(digest, ack.text_sha256) and hmac.compare_digest(
        text.sha256, ack.text_sha256
    )
    return SignedText(
        version=ack.policy_version.version,
        locale=text.locale,
        title=text.title,
        html=text.html,
        markdown=text.markdown,
        matches=matches,
        label=versions.revision_label(ack.policy_version.version, text.minor),
    )


def method_label(method: str) -> str:
    """How intent was proved, in words (the receipt's "Method" row)."""
    return _method_label(method)


def _method_label(method: str) -> str:
    labels = {
        "password": _("Signed in with a password, password typed again to sign"),
        "paper-recorded-by-hr": _("Signed on paper; recorded by HR on behalf of the employee"),
        "api_token": _("Recorded through the API"),
        "cli": _("Recorded from the command line"),
        "sso_step_up": _(
            "Signed in with the company account; signature confirmed by signing in again at "
            "the company's identity provider just before signing"
        ),
        "email_code": _(
            "Signed in with the company account; signature confirmed with a one-time code "
            "sent to the employee's email address"
        ),
    }
    # An unknown method (e.g. one added later) still reads as a sentence in the signer's language.
    return labels.get(method) or _("Other method (%(code)s)", code=method)


def signer_name(ack: Acknowledgement) -> str:
    """The signer's name as sealed in the record (never the live account, which may be renamed).

    Rows signed before names were sealed show the name the signer typed, which is sealed too.
    """
    if ack.signer_name or ack.typed_name:
        return ack.signer_name or ack.typed_name
    # Blanked by a retention purge: the pseudonym it gave, never the live account.
    return personal.purged_pseudonym(ack.user_id) or "—"


def _on_behalf_rows(ack: Acknowledgement) -> tuple[tuple[str, str], ...]:
    if not ack.on_behalf:
        return ()
    recorder = ack.recorded_by.full_name if ack.recorded_by else "—"
    return (
        (_("Recorded by"), recorder + " — " + _("recorded by HR on behalf of the employee")),
        (_("Paper form reference"), ack.paper_reference or "—"),
    ) + _scan_rows(attachments.received_hash("acknowledgement", ack))


def _scan_rows(received: str | None) -> tuple[tuple[str, str], ...]:
    """The hash of the scanned form as HR uploaded it, so they can match their original file."""
    return ((_("SHA-256 of the scanned form as uploaded"), received),) if received else ()


def _annex(ack: Acknowledgement) -> ReceiptAnnex | None:
    """The text as signed, appended to the receipt (call inside the signer's locale)."""
    signed = signed_text(ack)
    if signed is None:
        return None
    return ReceiptAnnex(
        heading=_("Annex: the text you signed"),
        notes=(
            _(
                "%(title)s, version %(version)s, language %(language)s.",
                title=signed.title,
                version=signed.label,
                language=signed.locale.upper(),
            ),
            _("SHA-256 recorded at signature: %(digest)s", digest=ack.text_sha256),
        ),
        warning=""
        if signed.matches
        else _(
            "Warning: the stored text below does not match the fingerprint recorded when this "
            "version was signed. It may have been altered since; it is not proof of what was "
            "signed. Report this to your HR department."
        ),
        html=signed.html,
        language=signed.locale,
    )


def signed_json(ack: Acknowledgement, verify_url: str) -> dict[str, Any]:
    """The receipt as signed JSON: what the PDF shows, the chain head at signing and a JWS."""
    text = _text(ack)
    body = {
        "receipt_version": RECEIPT_VERSION,
        "record_id": f"urn:charte:acknowledgement:{ack.code}",
        "organisation": settings.get(settings.ORGANISATION_NAME),
        "signer": {
            "id": f"urn:charte:user:{ack.user_id}",
            "name": signer_name(ack),
            "typed_name": ack.typed_name,
        },
        "document": {
            "title": text.title,
            "version": ack.policy_version.version,
            "version_label": versions.revision_label(ack.policy_version.version, text.minor),
            "language": ack.locale,
            "sha256": ack.text_sha256,
        },
        "statement": ack.statement,
        "signed_at": ack.signed_at.isoformat(),
        "method": ack.auth_method,
        "recorded_by": (
            {
                "id": f"urn:charte:user:{ack.recorded_by_id}",
                "name": ack.recorded_by.full_name if ack.recorded_by else None,
                "paper_reference": ack.paper_reference,
            }
            if ack.on_behalf
            else None
        ),
        "verification": {"code": format_code(ack.code), "url": verify_url},
    }
    return signed_documents.sign(body, signed_documents.issue_head("acknowledgement", ack.id))


def render(ack: Acknowledgement, verify_url: str) -> bytes:
    """The receipt PDF in the signer's language, with the text as signed in an annex.

    The acknowledgement must be fully loaded (signer, recorder, version and its texts).
    """
    user = ack.user
    text = _text(ack)
    signed = signed_json(ack, verify_url)
    with force_locale(user.locale):
        document = ReceiptDocument(
            organisation_name=settings.get(settings.ORGANISATION_NAME),
            heading=_("Receipt: signed acknowledgement of the social-media policy"),
            rows=(
                (_("Signed by"), signer_name(ack)),
                (_("Name typed"), ack.typed_name),
                (
                    _("Document"),
                    _(
                        "%(title)s, version %(version)s",
                        title=text.title,
                        version=versions.revision_label(ack.policy_version.version, text.minor),
                    ),
                ),
                (_("Language of the text"), ack.locale.upper()),
                (_("SHA-256 of the text"), ack.text_sha256),
                (_("Statement"), ack.statement),
                (
                    _("Signed on"),
                    format_datetime(ack.signed_at, "long") + "\n" + when.utc_moment(ack.signed_at),
                ),
                (_("Method"), _method_label(ack.auth_method)),
                *_on_behalf_rows(ack),
                *signed_documents.printed_rows(signed, ATTACHMENT_NAME),
            ),
            code_label=_("Verification code"),
            code=format_code(ack.code),
            verify_url=verify_url,
            verify_hint=_(
                "Scan the QR code or open the address to check that this receipt is genuine."
            ),
            footer=_(
                "Generated by Charte. This receipt reflects the record kept on the server, which "
                "is protected by a keyed checksum and an audit log."
            ),
            pdf_subject=_("Charte receipt"),
            language=user.locale,
            annex=_annex(ack),
            attachment=signed_documents.attachment(signed, ATTACHMENT_NAME),
        )
    return render_receipt(document)


def lookup(code: str) -> VerificationResult | None:
    """The verification result for a receipt code (a `hooks.code_lookups` receiver)."""
    ack = db.session.scalar(
        select(Acknowledgement)
        .where(Acknowledgement.code == code)
        .options(
            selectinload(Acknowledgement.user),
            selectinload(Acknowledgement.policy_version).selectinload(PolicyVersion.texts),
        )
    )
    if ack is None:
        return None
    version = ack.policy_version.version
    if not signing.intact(ack, version):
        # Never vouch for a record that was altered behind the application's back.
        log.warning("acknowledgement %s failed its MAC check during verification", ack.id)
        return None
    text = _text(ack)
    return VerificationResult(
        kind=KIND,
        status="valid",
        holder_name=signer_name(ack),
        title=text.title,
        issued_at=ack.signed_at,
        details={
            "version": version,
            "version_label": versions.revision_label(version, text.minor),
            "text_sha256": ack.text_sha256,
        },
        kind_label=_l("Receipt for a signed acknowledgement of the policy"),
        evidence=("acknowledgement", ack.id),
    )
