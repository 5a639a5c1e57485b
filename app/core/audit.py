"""Append to and verify the hash-chained audit log."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text

from app.core import hooks, keys
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent
from app.models.types import utcnow
from app.models.user import User

# Any constant works; it names the advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_ID = 0x43484152


def canonical_json(value: Any) -> str:
    """Serialise deterministically (sorted keys, no spaces, UTF-8) for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def evidence_key(purpose: str, key_id: str | None = keys.LEGACY) -> bytes:
    """The purpose-specific MAC key of one evidence key id (default: the legacy SECRET_KEY one)."""
    return keys.key_for(purpose, key_id)


def pii_digest(salt: str, ip: str | None, user_agent: str | None) -> str:
    """Digest of the personal fields, salted so that a blanked value cannot be guessed back."""
    payload = canonical_json({"ip": ip, "user_agent": user_agent})
    return hashlib.sha256(f"{salt}:{payload}".encode()).hexdigest()


def entry_hash(event: AuditEvent) -> str:
    """The keyed hash of one entry, covering its content and its predecessor's hash."""
    payload = canonical_json(
        {
            "seq": event.seq,
            "created_at": event.created_at.isoformat(),
            "actor_id": event.actor_id,
            "subject_id": event.subject_id,
            "action": event.action,
            "target_type": event.target_type,
            "target_id": event.target_id,
            "details": event.details,
            "pii_digest": event.pii_digest,
            "prev_hash": event.prev_hash,
            # Entries written before evidence keys existed have no key id (and a legacy hash).
            **({"key_id": event.key_id} if event.key_id is not None else {}),
        }
    )
    return keys.mac("audit-chain", event.key_id, payload)


def _lock_chain() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_ID})


def record(
    action: AuditAction | str,
    *,
    actor: User | None,
    subject: User | None = None,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
    client: ClientInfo | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction (the caller commits).

    The chain head is locked until commit on PostgreSQL, so concurrent writers queue instead of
    forking; on SQLite the database's single writer lock does the same. `action` is a member
    of the catalogue (app/core/audit_actions.py); it is stored as its plain string value.
    """
    client = client or ClientInfo.system()
    _lock_chain()
    db.session.flush()
    head = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    salt = secrets.token_hex(16)
    event = AuditEvent(
        seq=(head.seq + 1) if head else 1,
        created_at=utcnow(),
        actor_id=actor.id if actor else None,
        subject_id=subject.id if subject else None,
        action=str(action),
        target_type=target_type,
        target_id=str(target_id),
        details=canonical_json(details or {}),
        ip=client.ip,
        user_agent=(client.user_agent or "")[:512] or None,
        pii_salt=salt,
        prev_hash=head.hash if head else GENESIS_HASH,
        key_id=keys.current_key_id(),
    )
    event.pii_digest = pii_digest(salt, event.ip, event.user_agent)
    event.hash = entry_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


@dataclass
class VerificationReport:
    """What `flask audit verify` found."""

    checked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _iter_events(batch: int = 2000) -> Iterator[AuditEvent]:
    last_seq = 0
    while True:
        rows = db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > last_seq)
            .order_by(AuditEvent.seq)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield from rows
        last_seq = rows[-1].seq
        db.session.expunge_all()


def verify_chain(report: VerificationReport) -> None:
    """Recompute every entry's hash and link; note the first broken entry and stop there."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    keyed_since: int | None = None  # the first entry hashed with an evidence key
    for event in _iter_events():
        count += 1
        where = f"audit entry seq={event.seq} (id={event.id}, action={event.action})"
        if event.seq != expected_seq:
            report.problems.append(
                f"{where}: expected seq {expected_seq}; a row was removed or inserted"
            )
            break
        if event.prev_hash != expected_prev:
            report.problems.append(
                f"{where}: previous-hash link broken (row removed, inserted or reordered)"
            )
            break
        if (event.ip is not None or event.user_agent is not None) and pii_digest(
            event.pii_salt, event.ip, event.user_agent
        ) != event.pii_digest:
            report.problems.append(f"{where}: ip or user agent altered")
            break
        if event.key_id is None and keyed_since is not None:
            # Only entries older than the first keyed one may use the SECRET_KEY-derived key:
            # otherwise whoever holds SECRET_KEY could append to the chain.
            report.problems.append(
                f"{where}: hashed with the legacy key after entry seq={keyed_since} used "
                "an evidence key (forged with SECRET_KEY)"
            )
            break
        if event.key_id is not None and keyed_since is None:
            keyed_since = event.seq
        try:
            expected_hash = entry_hash(event)
        except keys.EvidenceKeyError:
            report.problems.append(f"{where}: names an unknown evidence key {event.key_id!r}")
            break
        if not hmac.compare_digest(expected_hash, event.hash):
            report.problems.append(f"{where}: content altered (hash mismatch)")
            break
        expected_prev = event.hash
        expected_seq += 1
    report.checked["audit entries"] = count
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    if report.ok and total != count:
        report.problems.append(f"audit log holds {total} rows but the chain links only {count}")


def verify_all() -> VerificationReport:
    """Check the chain, then every evidence check subscribed to `hooks.evidence_checks`."""
    report = VerificationReport()
    verify_chain(report)
    hooks.evidence_checks.emit(report)
    return report
