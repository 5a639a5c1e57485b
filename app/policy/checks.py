"""`flask audit verify` for acknowledgements: MACs, text hashes, personal digests, audit entries."""

from __future__ import annotations

import hmac
import json

from sqlalchemy import select

from app.core import audit
from app.core.audit_actions import AuditAction
from app.evidence import personal
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.models.audit import AuditEvent
from app.models.policy import PolicyText, PolicyVersion
from app.policy import versions as policy
from app.policy.signing import compute_mac, personal_fields


def _signed_events() -> dict[int, tuple[int, dict]]:
    """Acknowledgement id -> (audit seq, details) of every "policy.signed" audit entry."""
    rows = db.session.execute(
        select(AuditEvent.seq, AuditEvent.target_id, AuditEvent.details).where(
            AuditEvent.action == AuditAction.POLICY_SIGNED.value,
            AuditEvent.target_type == "acknowledgement",
        )
    )
    return {int(target): (seq, json.loads(details)) for seq, target, details in rows}


def _check_texts(report: audit.VerificationReport) -> dict[tuple[int, str], str]:
    digests = {}
    for text in db.session.scalars(select(PolicyText)):
        if policy.text_digest(text.html) != text.sha256:
            report.problems.append(
                f"policy text id={text.id} ({text.locale}): text altered (SHA-256 mismatch)"
            )
        digests[(text.policy_version_id, text.locale)] = text.sha256
    report.checked["policy texts"] = len(digests)
    return digests


def verify_acknowledgements(report: audit.VerificationReport, batch: int = 1000) -> None:
    """Check every acknowledgement's MAC, its text hash and its "policy.signed" audit entry.

    The MAC catches an altered or forged row; the audit entry (itself chained) catches a row
    deleted, inserted by someone holding the key, or swapped with another.
    """
    digests = _check_texts(report)
    versions = dict(db.session.execute(select(PolicyVersion.id, PolicyVersion.version)).all())
    events = _signed_events()
    purged = personal.purged_user_ids()
    resealed = personal.resealed("acknowledgement")
    seen: set[int] = set()
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(Acknowledgement)
            .where(Acknowledgement.id > last_id)
            .order_by(Acknowledgement.id)
            .limit(batch)
        ).all()
        if not rows:
            break
        for ack in rows:
            seen.add(ack.id)
            where = f"acknowledgement id={ack.id} (user {ack.user_id}, code {ack.code})"
            version = versions.get(ack.policy_version_id)
            event = events.get(ack.id)
            # A version 1 row resealed by a retention purge: the audit chain vouches for both MACs.
            before, after = resealed.get(ack.id, (ack.mac, ack.mac))
            pii_problem = (
                personal.check_personal(ack, personal_fields(ack), purged)
                if ack.mac_version >= personal.MAC_V2
                else None
            )
            if version is None or not hmac.compare_digest(compute_mac(ack, version), ack.mac):
                report.problems.append(f"{where}: content altered (MAC mismatch)")
            elif pii_problem:
                report.problems.append(f"{where}: {pii_problem}")
            elif after != ack.mac:
                report.problems.append(f"{where}: MAC differs from the retention purge's record")
            elif digests.get((ack.policy_version_id, ack.locale)) != ack.text_sha256:
                report.problems.append(f"{where}: text hash does not match the published text")
            elif event is None:
                report.problems.append(f"{where}: no audit entry records it (row inserted)")
            elif event[1].get("code") != ack.code or event[1].get("mac") != before:
                report.problems.append(
                    f"{where}: differs from audit entry seq={event[0]} (row replaced or reordered)"
                )
        last_id = rows[-1].id
        db.session.expunge_all()
    for ack_id, (seq, _details) in sorted(events.items()):
        if ack_id not in seen:
            report.problems.append(
                f"acknowledgement id={ack_id} recorded by audit entry seq={seq} is missing "
                "(row deleted)"
            )
    report.checked["acknowledgements"] = len(seen)
