"""Append to and verify the hash-chained audit log."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, select, text

from app.core import hooks, keys, statements
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import GENESIS_HASH, AuditEvent
from app.models.types import utcnow
from app.models.user import User

# Any constant works; it names the advisory lock that serialises appends on PostgreSQL.
_CHAIN_LOCK_ID = 0x43484152
# session.info key: the newest entry appended in the open transaction. After the commit, the
# evidence domain writes it to the truncation witness (app/evidence/witness.py) without a query.
APPENDED_HEAD = "charte.audit_appended_head"
# session.info key: the actions of the entries appended in the open transaction (the metrics
# count them once committed).
APPENDED_ACTIONS = "charte.audit_appended_actions"


@dataclass(frozen=True)
class ChainHead:
    """One point of the chain: an entry's sequence number, hash and time."""

    seq: int
    hash: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """The head as printed on receipts and witnessed: seq, hash and time (ISO 8601)."""
        return {"seq": self.seq, "hash": self.hash, "time": self.created_at.isoformat()}


# Built once: json.dumps with these arguments would build an encoder at every call, a good part
# of the cost of the small payloads that sealing and chaining encode by the hundred thousand.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
)


def compiled_encoder(encoder: json.JSONEncoder) -> Callable[[Any], str]:
    """`encoder.encode`, with the C encoder it builds at every call built once, with the same
    settings (the same text; without the check for circular structures, which neither evidence
    nor the demo's JSON columns hold): the building was about half of the time spent encoding a
    seal's or an entry's small payload."""
    make: Any = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    compiled = make(
        None,
        encoder.default,
        json.encoder.encode_basestring_ascii
        if encoder.ensure_ascii
        else json.encoder.encode_basestring,
        encoder.indent,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value: Any) -> str:
        if isinstance(value, str):  # (the C encoder takes containers and numbers)
            return encoder.encode(value)
        return "".join(compiled(value, 0))

    return encode


_canonical = compiled_encoder(_CANONICAL)


def canonical_json(value: Any) -> str:
    """Serialise deterministically (sorted keys, no spaces, UTF-8) for hashing."""
    return _canonical(value)


def evidence_key(purpose: str, key_id: str | None = keys.LEGACY) -> bytes:
    """The purpose-specific MAC key of one evidence key id (default: the legacy SECRET_KEY one)."""
    return keys.key_for(purpose, key_id)


def pii_digest(salt: str, ip: str | None, user_agent: str | None) -> str:
    """Digest of the personal fields, salted so that a blanked value cannot be guessed back."""
    return hashlib.sha256(f"{salt}:{_pii_payload(ip, user_agent)}".encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def _pii_payload(ip: str | None, user_agent: str | None) -> str:
    # Bulk writers digest the same client thousands of times.
    return canonical_json({"ip": ip, "user_agent": user_agent})


def _hashed_fields(event: Any) -> dict[str, Any]:
    return {
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


def entry_hash(event: Any) -> str:
    """The keyed hash of one entry, covering its content and its predecessor's hash."""
    return keys.mac("audit-chain", event.key_id, canonical_json(_hashed_fields(event)))


# Bulk writers (the demo generator) build entries in worker processes, before their place in the
# chain is known. Canonical JSON sorts the keys, so the two that place an entry, prev_hash and
# seq, sit side by side in the hashed payload: the text around them can be prepared early.
_UNPLACED = ',"prev_hash":"","seq":0,'  # never inside a value: quotes in strings are escaped


def hash_parts(event: Any) -> tuple[str, str]:
    """The hashed payload of an entry without its place: the text before prev_hash, after seq.

    `event` needs every hashed attribute but seq and prev_hash (ignored here)."""
    payload = canonical_json(
        _hashed_fields(SimpleNamespace(**{**vars(event), "seq": 0, "prev_hash": ""}))
    )
    before, found, after = payload.partition(_UNPLACED)
    if not found:
        raise ValueError(f"no place to cut in {payload!r}")
    return before + ",", "," + after


def chain_hasher(key_id: str | None) -> Callable[[tuple[str, str], int, str], str]:
    """hash(parts, seq, prev_hash): entry_hash of an entry prepared by `hash_parts` (one key
    lookup for a whole batch; a test holds both equal)."""
    mac = keys.hmac_sha256(keys.key_for("audit-chain", key_id))

    def hash_(parts: tuple[str, str], seq: int, prev_hash: str) -> str:
        place = f'"prev_hash":{canonical_json(prev_hash)},"seq":{seq}'
        return mac((parts[0] + place + parts[1]).encode())

    return hash_


def _on_postgresql_in_a_transaction() -> bool:
    """True on PostgreSQL (where the chain lock is taken), after checking that there is a
    transaction to hold it until the entry is committed."""
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    if getattr(db.session.connection().connection.dbapi_connection, "autocommit", False):
        # A read-only page (app/database.py) has no transaction to hold the lock until the
        # entry is committed: appending there would let concurrent writers fork the chain.
        raise RuntimeError("audit entry on a page without a transaction")
    return True


def _lock_chain() -> None:
    if _on_postgresql_in_a_transaction():
        db.session.execute(_LOCK_STATEMENT, {"k": _CHAIN_LOCK_ID})


def _locked_head() -> tuple[int, str]:
    """(seq, hash) of the chain head, read under the chain lock (held until the commit).

    On PostgreSQL one call does both: charte_locked_chain_head (see its migration) takes the
    lock, then reads the head on a snapshot taken after the lock was granted. A round trip
    fewer on every evidence write, and the one saved was made while holding the lock that
    every other evidence writer waits for.
    """
    if _on_postgresql_in_a_transaction():
        head = statements.execute(_LOCKED_HEAD_STATEMENT, {"k": _CHAIN_LOCK_ID}).first()
    else:
        head = statements.execute(_HEAD_STATEMENT).first()
    if head is None or head.seq is None:  # the function answers (NULL, NULL) on an empty log
        return 0, GENESIS_HASH
    return head.seq, head.hash


# Built once (statements are rebuilt, not recompiled, at each call: a few hundred microseconds
# on the hot path of every evidence write).
_LOCK_STATEMENT = text("SELECT pg_advisory_xact_lock(:k)")
_HEAD_STATEMENT = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
_LOCKED_HEAD_STATEMENT = text("SELECT seq, hash FROM charte_locked_chain_head(:k)")
_INSERT_STATEMENT = insert(AuditEvent.__table__)


def record(
    action: AuditAction | str,
    *,
    actor: User | None,
    subject: User | None = None,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
    client: ClientInfo | None = None,
) -> SimpleNamespace:
    """Append one event to the chain inside the caller's transaction (the caller commits).

    The chain head is locked until commit on PostgreSQL, so concurrent writers queue instead of
    forking; on SQLite the database's single writer lock does the same. `action` is a member
    of the catalogue (app/core/audit_actions.py); it is stored as its plain string value.
    """
    return record_many(
        [
            Entry(
                action,
                actor=actor,
                subject=subject,
                target_type=target_type,
                target_id=target_id,
                details=details,
                client=client,
            )
        ]
    )[0]


@dataclass(frozen=True)
class Entry:
    """One event to append with `record_many` (the arguments of `record`)."""

    action: AuditAction | str
    actor: User | None
    subject: User | None = None
    target_type: str = ""
    target_id: str | int = ""
    details: dict[str, Any] | None = None
    client: ClientInfo | None = None


def record_many(entries: list[Entry]) -> list[SimpleNamespace]:
    """Append several events, in order, inside the caller's transaction (the caller commits).

    The chain lock is taken once, here: call it as late as possible, after the transaction's
    other work and right before its commit, so that concurrent evidence writers wait for the
    shortest time (the lock is held until the commit). The caller's pending rows are written
    before the lock; then one statement takes the lock and reads the head, and one inserts.
    Returns the entries as written (an attribute per column but the id; they are not ORM
    objects: one plain INSERT writes them, the ORM's unit of work added nothing but time).
    """
    if not entries:
        return []
    db.session.flush()
    seq, prev = _locked_head()
    key_id = keys.current_key_id()
    events = []
    for entry in entries:
        client = entry.client or ClientInfo.system()
        salt = secrets.token_hex(16)
        user_agent = (client.user_agent or "")[:512] or None
        event = SimpleNamespace(
            seq=seq + 1,
            created_at=utcnow(),
            actor_id=entry.actor.id if entry.actor else None,
            subject_id=entry.subject.id if entry.subject else None,
            action=str(entry.action),
            target_type=entry.target_type,
            target_id=str(entry.target_id),
            details=canonical_json(entry.details or {}),
            ip=client.ip,
            user_agent=user_agent,
            pii_salt=salt,
            pii_digest=pii_digest(salt, client.ip, user_agent),
            prev_hash=prev,
            key_id=key_id,
        )
        event.hash = entry_hash(event)
        events.append(event)
        seq, prev = event.seq, event.hash
    statements.execute(_INSERT_STATEMENT, [vars(event) for event in events])
    db.session.info.setdefault(APPENDED_ACTIONS, []).extend(e.action for e in events)
    last = events[-1]
    note_appended(ChainHead(last.seq, last.hash, last.created_at))
    return events


def note_appended(head: ChainHead) -> None:
    """Mark the session: after its commit, this entry is the head the witness must record."""
    db.session.info[APPENDED_HEAD] = head


def current_head() -> ChainHead | None:
    """The newest entry of the chain as the database holds it now (None: empty log)."""
    row = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.created_at)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return ChainHead(row.seq, row.hash, row.created_at) if row else None


def entry_head(target_type: str, target_id: str | int) -> ChainHead | None:
    """The first entry recording one evidence row: the chain head when that row was issued."""
    row = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash, AuditEvent.created_at)
        .where(
            AuditEvent.target_type == target_type,
            AuditEvent.target_id == str(target_id),
        )
        .order_by(AuditEvent.seq)
        .limit(1)
    ).first()
    return ChainHead(row.seq, row.hash, row.created_at) if row else None


def entry_heads(target_type: str, target_ids: list[int]) -> dict[int, ChainHead]:
    """entry_head for many rows of one kind at once (e.g. a batch of certificates)."""
    rows = db.session.execute(
        select(AuditEvent.target_id, AuditEvent.seq, AuditEvent.hash, AuditEvent.created_at)
        .where(
            AuditEvent.target_type == target_type,
            AuditEvent.target_id.in_([str(target_id) for target_id in target_ids]),
        )
        .order_by(AuditEvent.seq.desc())
    )
    # Descending, so the first entry of each row (the one that issued it) is written last.
    return {int(row.target_id): ChainHead(row.seq, row.hash, row.created_at) for row in rows}


def chain_holds(seq: int, hash_: str) -> bool:
    """Whether the log still holds entry `seq` with this hash (a receipt's head is still there)."""
    found = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == seq))
    return found is not None and hmac.compare_digest(found, hash_)


@dataclass
class VerificationReport:
    """What `flask audit verify` found."""

    checked: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    # Entries whose ip and user agent are blank although their digest says otherwise:
    # id -> (where, actor_id, subject_id). A genuine retention purge naming them takes them off
    # (app/evidence/personal.verify_purges); verify_all reports whatever is left.
    blanked_audit_entries: dict[int, tuple[str, int | None, int | None]] = field(
        default_factory=dict
    )

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
        if pii_digest(event.pii_salt, event.ip, event.user_agent) != event.pii_digest:
            if event.ip is not None or event.user_agent is not None:
                report.problems.append(f"{where}: ip or user agent altered")
                break
            # Blanked: fine only where a genuine retention purge names this entry.
            report.blanked_audit_entries[event.id] = (where, event.actor_id, event.subject_id)
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
    """Check the chain, then every evidence check subscribed to `hooks.evidence_checks`; last,
    report blank audit entries that no genuine retention purge accounted for."""
    report = VerificationReport()
    verify_chain(report)
    hooks.evidence_checks.emit(report)
    for where, _actor, _subject in report.blanked_audit_entries.values():
        report.problems.append(
            f"{where}: ip and user agent removed without a recorded retention purge naming it"
        )
    return report
