"""Seals on policy evidence: signed acknowledgements and the published texts they refer to."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

from app.core import audit
from app.core.audit_actions import AuditAction
from app.evidence import personal, seals
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.policy import PolicyText, PolicyVersion


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def personal_fields(ack: Acknowledgement) -> dict:
    """The fields a retention purge blanks (sealed by pii_digest in MAC version 2)."""
    return {"ip": ack.ip, "user_agent": ack.user_agent, "typed_name": ack.typed_name}


def identity_fields(ack: Acknowledgement) -> dict:
    """The signer's name and email when signing (sealed from MAC version 3)."""
    return {"signer_name": ack.signer_name, "signer_email": ack.signer_email}


def _fields(ack: Acknowledgement) -> dict:
    return {
        "user_id": ack.user_id,
        "policy_version_id": ack.policy_version_id,
        "locale": ack.locale,
        "text_sha256": ack.text_sha256,
        "statement": ack.statement,
        "signed_at": _timestamp(ack.signed_at),
        "auth_method": ack.auth_method,
        "code": ack.code,
        "mac_version": ack.mac_version,
        "on_behalf": bool(ack.on_behalf),
        "recorded_by_id": ack.recorded_by_id,
        "paper_reference": ack.paper_reference,
        "attachment_id": ack.attachment_id,
    }


def compute_mac(ack: Acknowledgement, version_number: int) -> str:
    """The MAC of an acknowledgement signed before evidence keys (keyed from SECRET_KEY).

    Version 1 (rows signed before on-behalf capture existed) covers the personal values;
    version 2 covers their salted digest and the on-behalf fields. Keyed rows: see ACKNOWLEDGEMENTS.
    """
    if ack.key_id is not None:
        return seals.compute_mac(ACKNOWLEDGEMENTS, ack)
    fields = {
        "user_id": ack.user_id,
        "policy_version_id": ack.policy_version_id,
        "policy_version": version_number,
        "locale": ack.locale,
        "text_sha256": ack.text_sha256,
        "statement": ack.statement,
        "signed_at": _timestamp(ack.signed_at),
        "auth_method": ack.auth_method,
        "code": ack.code,
    }
    if (ack.mac_version or personal.MAC_V1) >= personal.MAC_V2:
        fields |= {
            "mac_version": personal.MAC_V2,
            "pii_digest": ack.pii_digest,
            "on_behalf": bool(ack.on_behalf),
            "recorded_by_id": ack.recorded_by_id,
            "paper_reference": ack.paper_reference,
            "attachment_id": ack.attachment_id,
        }
    else:
        fields |= personal_fields(ack)
    payload = audit.canonical_json(fields)
    return hmac.new(
        audit.evidence_key("acknowledgement"), payload.encode(), hashlib.sha256
    ).hexdigest()


def _legacy_mac(ack: Acknowledgement) -> str:
    version = db.session.get(PolicyVersion, ack.policy_version_id)
    return compute_mac(ack, version.version) if version is not None else ""


ACKNOWLEDGEMENTS = seals.SealSpec(
    model=Acknowledgement,
    label="acknowledgement",
    plural="acknowledgements",
    purpose="acknowledgement",
    fields=_fields,
    personal=personal_fields,
    identity=identity_fields,
    legacy_mac=_legacy_mac,
    actions=(AuditAction.POLICY_SIGNED.value,),
    target_type="acknowledgement",
    echo=("code",),
    uses_mac_version=True,
)


def _text_fields(text: PolicyText) -> dict:
    fields = {
        "policy_version_id": text.policy_version_id,
        "locale": text.locale,
        "title": text.title,
        "changes": text.changes,
        "markdown": text.markdown,
        "html": text.html,
        "sha256": text.sha256,
    }
    # Sealed only when set, so that the seals of texts written before they existed still verify.
    if text.minor:
        fields["minor"] = text.minor
    if text.section_ids:
        fields["section_ids"] = text.section_ids
    return fields


def text_digest(html: str) -> str:
    """SHA-256 of the exact rendered text shown to the reader."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


def _text_digest_problem(text: PolicyText) -> str | None:
    if text_digest(text.html) != text.sha256:
        return "text altered (SHA-256 mismatch)"
    return None


TEXTS = seals.SealSpec(
    model=PolicyText,
    label="policy text",
    plural="policy texts",
    purpose="policy-text",
    fields=_text_fields,
    row_check=_text_digest_problem,
)
