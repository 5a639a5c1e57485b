"""Seals for every kind of evidence: one small spec per kind, one MAC scheme, one verifier.

A kind's spec says which model it is, the MAC purpose, which fields the MAC covers, which fields
are personal (covered through a salted digest so that a retention purge can blank them), and how
audit entries name its rows. Every write path seals the row (`seal`), then names it in its audit
entry's details (`sealed_details`: {"sealed": {table: {row id: mac}}}); the chain protects that
record. `flask audit verify` then reports, per kind:
- a MAC mismatch (a field changed), a personal field changed or blanked without a purge;
- a row no audit entry names (inserted, or moved under another id);
- a row whose MAC differs from the one its audit entry recorded (replaced, swapped, reordered);
- an audit entry naming a row that is missing (deleted), through the "sealed" maps and through
  the kind's own audit actions (which also catches rows deleted before sealing existed);
- a field the kind's audit entries repeat (e.g. a quiz score) that no longer matches.

Each domain builds its spec and subscribes it to `hooks.evidence_checks` from its init_app; a
spec is callable with the report. Read paths that derive state from evidence (current consent,
/verify) call `intact` first: a cheap per-row check that needs no audit scan.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text

from app.core import audit, hooks, keys
from app.core.audit_actions import AuditAction
from app.evidence import personal
from app.extensions import db
from app.models.audit import AuditEvent

MAC_V3 = 3  # MAC under an evidence key id (app.core.keys), with the sealed identity
NOT_SEALED = "not sealed (rows recorded before seals existed: run `flask audit seal-existing`)"


def _row_id(row: Any) -> str:
    return str(row.id)


@dataclass(frozen=True, eq=False)
class SealSpec:
    """How one kind of evidence is sealed and how its audit entries name it."""

    model: Any
    label: str  # "consent event": names rows in messages
    plural: str  # "consent events": the count in the report
    purpose: str  # MAC purpose (a separate derived key per kind)
    fields: Callable[[Any], dict[str, Any]]  # the sealed fields, personal ones excepted
    personal: Callable[[Any], dict[str, Any]] | None = None  # sealed through pii_digest
    # The person's name (and email) as recorded, shown on receipts and /verify instead of the
    # live account; sealed through identity_digest (same salt) so a purge may blank it too.
    identity: Callable[[Any], dict[str, Any]] | None = None
    legacy_mac: Callable[[Any], str] | None = None  # rows sealed before key ids existed
    actions: tuple[str, ...] = ()  # audit actions whose entries target the row
    target_type: str = ""
    target_key: Callable[[Any], str] = _row_id  # how those entries' target_id names the row
    echo: tuple[str, ...] = ()  # attributes those entries' details repeat
    only: Any = None  # SQL condition: the rows that carry a seal (e.g. submitted attempts)
    row_check: Callable[[Any], str | None] | None = None  # a kind-specific check of one row
    uses_mac_version: bool = field(default=False)  # acknowledgements and consent events

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def __call__(self, report: audit.VerificationReport) -> None:
        """`hooks.evidence_checks` receiver: verify every row of this kind."""
        verify(self, report)


# ---- sealing ------------------------------------------------------------------------------------


def _payload(spec: SealSpec, row: Any) -> str:
    fields = dict(spec.fields(row))
    fields["key_id"] = row.key_id
    if spec.personal is not None:
        fields["pii_digest"] = row.pii_digest
    if spec.identity is not None:
        fields["identity_digest"] = row.identity_digest
    return audit.canonical_json(fields)


def compute_mac(spec: SealSpec, row: Any) -> str:
    """The MAC the row should carry ("" when it names no key and the kind had no legacy MAC)."""
    if row.key_id is keys.LEGACY:
        return spec.legacy_mac(row) if spec.legacy_mac is not None else ""
    return keys.mac(spec.purpose, row.key_id, _payload(spec, row))


def seal(spec: SealSpec, row: Any) -> None:
    """Seal a new row with the current key: personal digest, key id, MAC (before it is added)."""
    row.key_id = keys.current_key_id()
    if spec.personal is not None or spec.identity is not None:
        row.pii_salt = secrets.token_hex(16)
    if spec.personal is not None:
        row.pii_digest = personal.digest(row.pii_salt, spec.personal(row))
    if spec.identity is not None:
        row.identity_digest = personal.digest(row.pii_salt, spec.identity(row))
    if spec.uses_mac_version:
        row.mac_version = MAC_V3
    row.mac = compute_mac(spec, row)


def sealed_details(*pairs: tuple[SealSpec, Iterable[Any]]) -> dict[str, Any]:
    """{"sealed": {table: {id: mac}}} naming the rows in the audit entry that records them."""
    named: dict[str, dict[str, str]] = {}
    for spec, rows in pairs:
        for row in rows:
            named.setdefault(spec.table, {})[str(row.id)] = row.mac
    return {"sealed": named}


def mac_ok(spec: SealSpec, row: Any) -> bool:
    """True when the row carries a MAC and it matches its fields."""
    if not row.mac:
        return False
    try:
        expected = compute_mac(spec, row)
    except keys.EvidenceKeyError:
        return False
    return bool(expected) and hmac.compare_digest(expected, row.mac)


def _identity_problem(spec: SealSpec, row: Any, purged: AbstractSet[int] | None) -> str | None:
    fields = spec.identity(row) if spec.identity is not None else {}
    if row.key_id is keys.LEGACY or not fields:
        return None
    if personal.digest(row.pii_salt or "", fields) == row.identity_digest:
        return None
    # Blank, or the pseudonym where certificates print it: only where a genuine purge names
    # this very row (app/evidence/personal.py).
    if personal.purge_accepts(
        row, fields, purged if purged is not None else personal.purged_user_ids()
    ):
        return None
    if not any(fields.values()):
        return "name removed without a recorded retention purge naming this row"
    return "name or email altered (identity digest mismatch)"


def _personal_problem(spec: SealSpec, row: Any, purged: AbstractSet[int] | None) -> str | None:
    if spec.personal is None or not getattr(row, "pii_salt", None):
        return _identity_problem(spec, row, purged)
    fields = spec.personal(row)
    if not personal.unchanged(row, fields):
        problem = personal.check_personal(
            row, fields, purged if purged is not None else personal.purged_user_ids()
        )
        if problem:
            return problem
    return _identity_problem(spec, row, purged)


def intact(spec: SealSpec, row: Any) -> bool:
    """Cheap per-row check for read paths: MAC and personal digest (no audit scan)."""
    if not mac_ok(spec, row):
        return False
    if spec.row_check is not None and spec.row_check(row):
        return False
    return _personal_problem(spec, row, None) is None


# ---- verifying ----------------------------------------------------------------------------------


def _named(table: str) -> dict[int, tuple[int, str]]:
    """Row id -> (audit seq, MAC) from every audit entry naming rows of this table.

    A later entry prevails: `seal-existing` names, with its new MAC, a row recorded before seals.
    """
    found: dict[int, tuple[int, str]] = {}
    rows = db.session.execute(
        select(AuditEvent.seq, AuditEvent.details)
        .where(AuditEvent.details.like('%"sealed":%'))
        .order_by(AuditEvent.seq)
    )
    for seq, details in rows:
        for row_id, mac in json.loads(details).get("sealed", {}).get(table, {}).items():
            found[int(row_id)] = (seq, mac)
    return found


def _targeted(spec: SealSpec) -> dict[str, list[tuple[int, dict]]]:
    """Target key -> [(seq, details)] of the kind's own audit entries."""
    found: dict[str, list[tuple[int, dict]]] = {}
    if not spec.actions:
        return found
    rows = db.session.execute(
        select(AuditEvent.seq, AuditEvent.target_id, AuditEvent.details).where(
            AuditEvent.action.in_(spec.actions), AuditEvent.target_type == spec.target_type
        )
    )
    for seq, target, details in rows:
        found.setdefault(str(target), []).append((seq, json.loads(details)))
    return found


def _row_problem(
    spec: SealSpec,
    row: Any,
    named: dict[int, tuple[int, str]],
    targeted: dict[str, list[tuple[int, dict]]],
    resealed: dict[int, tuple[str, str]],
    purged: AbstractSet[int],
) -> str | None:
    if not row.mac:
        return NOT_SEALED
    if not mac_ok(spec, row):
        if row.key_id is not keys.LEGACY and row.key_id not in keys.keyring().keys:
            return f"names an unknown evidence key {row.key_id!r}"
        return "content altered (MAC mismatch)"
    problem = _personal_problem(spec, row, purged)
    if problem:
        return problem
    if spec.row_check is not None and (problem := spec.row_check(row)):
        return problem
    entry = named.get(row.id)
    if entry is None:
        # Entries written before the "sealed" maps recorded the MAC of the row they target.
        entry = next(
            ((seq, d["mac"]) for seq, d in targeted.get(spec.target_key(row), []) if "mac" in d),
            None,
        )
    if entry is None:
        if row.key_id is keys.LEGACY:
            return "recorded before seals were named and not named since (row inserted?): " + (
                "run `flask audit seal-existing` once after upgrading"
            )
        return "no audit entry records it (row inserted)"
    seq, mac = entry
    if mac != row.mac and resealed.get(row.id) != (mac, row.mac):
        return f"differs from audit entry seq={seq} (row replaced or reordered)"
    for seq, details in targeted.get(spec.target_key(row), []):
        for name in spec.echo:
            if name in details and details[name] != getattr(row, name):
                return f"{name} differs from audit entry seq={seq}"
    return None


def verify(spec: SealSpec, report: audit.VerificationReport, batch: int = 1000) -> None:
    """Check every row of one kind against its seal and its audit entries, both ways."""
    named = _named(spec.table)
    targeted = _targeted(spec)
    resealed = personal.resealed(spec.table)
    purged = personal.purged_user_ids()
    seen_ids: set[int] = set()
    seen_targets: set[str] = set()
    keyed_since: int | None = None
    last_id = 0
    while True:
        query = select(spec.model).where(spec.model.id > last_id)
        if spec.only is not None:
            query = query.where(spec.only)
        rows = db.session.scalars(query.order_by(spec.model.id).limit(batch)).all()
        if not rows:
            break
        for row in rows:
            seen_ids.add(row.id)
            seen_targets.add(spec.target_key(row))
            if row.key_id is keys.LEGACY and keyed_since is not None and row.mac:
                problem: str | None = (
                    f"sealed with the legacy key after id={keyed_since} used an evidence key "
                    "(forged with SECRET_KEY)"
                )
            else:
                problem = _row_problem(spec, row, named, targeted, resealed, purged)
            if row.key_id is not keys.LEGACY and keyed_since is None:
                keyed_since = row.id
            if problem:
                report.problems.append(f"{spec.label} id={row.id}: {problem}")
        last_id = rows[-1].id
        db.session.expunge_all()
    for row_id, (seq, _mac) in sorted(named.items()):
        if row_id not in seen_ids:
            report.problems.append(
                f"{spec.label} id={row_id} recorded by audit entry seq={seq} is missing "
                "(row deleted)"
            )
    for target, entries in sorted(targeted.items()):
        if target not in seen_targets:
            report.problems.append(
                f"{spec.label} of {spec.target_type} {target} recorded by audit entry "
                f"seq={entries[0][0]} is missing (row deleted)"
            )
    report.checked[spec.plural] = len(seen_ids)


# ---- rows recorded before this version -----------------------------------------------------------


def specs() -> list[SealSpec]:
    """Every kind's spec, as the domains subscribed them to `hooks.evidence_checks`."""
    return [r for r in hooks.evidence_checks.receivers() if isinstance(r, SealSpec)]


def seal_existing() -> dict[str, int]:
    """Seal rows recorded before their kind was sealed, and name every unnamed row in one
    "evidence.sealed" audit entry. Idempotent: a second run finds nothing to do.

    Rows that already carry a MAC (older signatures, consent decisions, scans) keep it and its
    legacy key; rows without one are sealed with the current key. On PostgreSQL the append-only
    triggers of the tables touched are disabled for this transaction only (the command must be run
    by the tables' owner); nothing else can write to them meanwhile (ALTER TABLE locks them).
    """
    done: dict[str, int] = {}
    named_all: dict[str, dict[str, str]] = {}
    postgres = db.session.get_bind().dialect.name == "postgresql"
    for spec in specs():
        named = _named(spec.table)
        query = select(spec.model)
        if spec.only is not None:
            query = query.where(spec.only)
        rows = [
            r
            for r in db.session.scalars(query.order_by(spec.model.id))
            if r.id not in named or not r.mac
        ]
        if not rows:
            continue
        unsealed = [r for r in rows if not r.mac]
        if unsealed and postgres:
            db.session.execute(text(f'ALTER TABLE "{spec.table}" DISABLE TRIGGER USER'))
        for row in unsealed:
            seal(spec, row)
        db.session.flush()
        if unsealed and postgres:
            db.session.execute(text(f'ALTER TABLE "{spec.table}" ENABLE TRIGGER USER'))
        named_all[spec.table] = {str(r.id): r.mac for r in rows}
        done[spec.table] = len(rows)
    if named_all:
        audit.record(
            AuditAction.EVIDENCE_SEALED,
            actor=None,
            target_type="evidence",
            details={"sealed": named_all, "counts": done},
        )
    db.session.commit()
    return done
