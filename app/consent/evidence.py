"""Seals on consent evidence: decisions (events) and the texts people agreed to.

Decisions, texts, publication checks with their answers, and the reviews HR made after a
withdrawal are sealed with app.evidence.seals and named in their audit entries, so
`flask audit verify` reports an altered, inserted or deleted decision (a deleted withdrawal no
longer makes a consent read "granted" again unnoticed) and an edited consent text.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC

from app.core import audit
from app.core.audit_actions import AuditAction
from app.evidence import personal, seals
from app.models.consent import ConsentEvent, ConsentText
from app.models.publication import PublicationCheck, PublicationCheckPerson, PublicationReview

MAC_PURPOSE = "consent"


def personal_fields(event: ConsentEvent) -> dict:
    """The fields a retention purge blanks (sealed by pii_digest from MAC version 2)."""
    return {"ip": event.ip, "user_agent": event.user_agent}


def identity_fields(event: ConsentEvent) -> dict:
    """The person's name and email as recorded with the decision (sealed from version 3)."""
    return {"holder_name": event.holder_name, "holder_email": event.holder_email}


def _fields(event: ConsentEvent) -> dict:
    return {
        "code": event.code,
        "user_id": event.user_id,
        "purpose_id": event.purpose_id,
        "medium": event.medium,
        "decision": event.decision,
        "text_id": event.text_id,
        "text_version": event.text_version,
        "text_locale": event.text_locale,
        "text_sha256": event.text_sha256,
        "valid_from": event.valid_from.isoformat(),
        "valid_until": event.valid_until.isoformat() if event.valid_until else None,
        "recorded_at": event.recorded_at.astimezone(UTC).isoformat(),
        "recorded_by_id": event.recorded_by_id,
        "on_behalf": bool(event.on_behalf),
        "paper_reference": event.paper_reference,
    }


def _legacy_payload(event: ConsentEvent) -> str:
    fields = _fields(event)
    if (event.mac_version or personal.MAC_V1) >= personal.MAC_V2:
        # Version 2: the salted digest stands for ip and user agent; the scan is covered too.
        fields |= {
            "mac_version": personal.MAC_V2,
            "pii_digest": event.pii_digest,
            "attachment_id": event.attachment_id,
        }
    else:
        fields |= personal_fields(event)
    return audit.canonical_json(fields)


def legacy_event_mac(event: ConsentEvent) -> str:
    """The MAC of events recorded before evidence keys (keyed from SECRET_KEY, no key id)."""
    key = audit.evidence_key(MAC_PURPOSE)
    return hmac.new(key, _legacy_payload(event).encode(), hashlib.sha256).hexdigest()


EVENTS = seals.SealSpec(
    model=ConsentEvent,
    label="consent event",
    plural="consent events",
    purpose=MAC_PURPOSE,
    fields=lambda e: _fields(e) | {"mac_version": e.mac_version, "attachment_id": e.attachment_id},
    personal=personal_fields,
    identity=identity_fields,
    legacy_mac=legacy_event_mac,
    actions=(
        AuditAction.CONSENT_GRANTED.value,
        AuditAction.CONSENT_REFUSED.value,
        AuditAction.CONSENT_REVOKED.value,
    ),
    target_type="consent_event",
    uses_mac_version=True,
)


def _text_fields(text: ConsentText) -> dict:
    return {
        "purpose_id": text.purpose_id,
        "version": text.version,
        "locale": text.locale,
        "title": text.title,
        "markdown": text.markdown,
        "sha256": text.sha256,
        "imported_at": text.imported_at.astimezone(UTC).isoformat(),
    }


def _text_digest_problem(text: ConsentText) -> str | None:
    # Stored markdown is already in canonical form (texts.normalise), so its plain SHA-256 is
    # the digest decisions record.
    if hashlib.sha256(text.markdown.encode()).hexdigest() != text.sha256:
        return "text altered (SHA-256 mismatch)"
    return None


TEXTS = seals.SealSpec(
    model=ConsentText,
    label="consent text",
    plural="consent texts",
    purpose="consent-text",
    fields=_text_fields,
    row_check=_text_digest_problem,
)


PUBLICATION_CHECKS = seals.SealSpec(
    model=PublicationCheck,
    label="publication check",
    plural="publication checks",
    purpose="publication-check",
    fields=lambda c: {
        "purpose_id": c.purpose_id,
        "medium": c.medium,
        "reference": c.reference,
        "checked_by_id": c.checked_by_id,
        "checked_at": c.checked_at.astimezone(UTC).isoformat(),
    },
    actions=(AuditAction.CONSENT_PUBLICATION_CHECK.value,),
    target_type="publication_check",
    echo=("reference",),
)

PUBLICATION_ANSWERS = seals.SealSpec(
    model=PublicationCheckPerson,
    label="publication check answer",
    plural="publication check answers",
    purpose="publication-check-person",
    fields=lambda p: {
        "check_id": p.check_id,
        "user_id": p.user_id,
        "allowed": bool(p.allowed),
        "state": p.state,
        "valid_until": p.valid_until.isoformat() if p.valid_until else None,
        "consent_event_id": p.consent_event_id,
    },
)

# Who reviewed a checked publication after the consent behind it ended. Named in the
# "consent.review_done" entry's sealed map (that entry targets the check, not the review).
PUBLICATION_REVIEWS = seals.SealSpec(
    model=PublicationReview,
    label="publication review",
    plural="publication reviews",
    purpose="publication-review",
    fields=lambda r: {
        "check_person_id": r.check_person_id,
        "trigger_event_id": r.trigger_event_id,
        "reviewed_by_id": r.reviewed_by_id,
        "reviewed_at": r.reviewed_at.astimezone(UTC).isoformat(),
    },
)


def event_mac(event: ConsentEvent) -> str:
    """The MAC the event should carry (under its own key id; legacy rows under SECRET_KEY)."""
    return seals.compute_mac(EVENTS, event)


def mac_ok(event: ConsentEvent) -> bool:
    """True when the stored MAC matches the event's fields."""
    return seals.mac_ok(EVENTS, event)


def intact(event: ConsentEvent) -> bool:
    """True when the MAC matches and the personal fields match their digest (or were purged)."""
    return seals.intact(EVENTS, event)


def holder_name(event: ConsentEvent) -> str | None:
    """The person's name as sealed with the decision (user loaded for older rows only).

    Decisions recorded before names were sealed have none: they show the account's name.
    """
    if event.key_id is None:
        return event.user.full_name
    # Blanked by a retention purge: the pseudonym it gave, never the live account.
    return event.holder_name or personal.purged_pseudonym(event.user_id)


def holder_email(event: ConsentEvent) -> str | None:
    """The person's email as sealed with the decision (older rows: the account's)."""
    return event.holder_email if event.key_id is not None else event.user.email
