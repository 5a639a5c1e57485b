"""Seals on consent events: an HMAC over each event's fields, checked by `flask audit verify`."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC

from sqlalchemy import select

from app.core import audit
from app.evidence import personal
from app.extensions import db
from app.models.consent import ConsentEvent

MAC_PURPOSE = "consent"


def personal_fields(event: ConsentEvent) -> dict:
    """The fields a retention purge blanks (sealed by pii_digest in MAC version 2)."""
    return {"ip": event.ip, "user_agent": event.user_agent}


def _mac_payload(event: ConsentEvent) -> str:
    fields = {
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


def event_mac(event: ConsentEvent) -> str:
    """HMAC-SHA256 of the event's fields under the consent evidence key."""
    key = audit.evidence_key(MAC_PURPOSE)
    return hmac.new(key, _mac_payload(event).encode(), hashlib.sha256).hexdigest()


def mac_ok(event: ConsentEvent) -> bool:
    """True when the stored MAC matches the event's fields."""
    return hmac.compare_digest(event_mac(event), event.mac)


def intact(event: ConsentEvent) -> bool:
    """True when the MAC matches and (version 2) ip and user agent match their digest."""
    if not mac_ok(event):
        return False
    if (event.mac_version or personal.MAC_V1) < personal.MAC_V2:
        return True
    fields = personal_fields(event)
    return personal.check_personal(event, fields, personal.purged_user_ids()) is None


def verify_events(report: audit.VerificationReport, batch: int = 2000) -> None:
    """`flask audit verify`: recompute every consent event's MAC and personal digest."""
    purged = personal.purged_user_ids()
    resealed = personal.resealed("consent_event")
    last_id, count = 0, 0
    while True:
        rows = db.session.scalars(
            select(ConsentEvent)
            .where(ConsentEvent.id > last_id)
            .order_by(ConsentEvent.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            count += 1
            problem = None
            if not mac_ok(event):
                problem = "content altered (MAC mismatch)"
            elif event.mac_version >= personal.MAC_V2:
                problem = personal.check_personal(event, personal_fields(event), purged)
            if problem is None and event.id in resealed and resealed[event.id][1] != event.mac:
                problem = "MAC differs from the retention purge's record"
            if problem:
                report.problems.append(f"consent event id={event.id}: {problem}")
                report.checked["consent events"] = count
                return
        last_id = rows[-1].id
        db.session.expunge_all()
    report.checked["consent events"] = count
