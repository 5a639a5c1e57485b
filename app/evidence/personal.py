"""Personal fields of evidence rows sealed by a salted digest, so a retention purge can blank them."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from sqlalchemy import select

from app.core.audit import canonical_json, evidence_key
from app.core.audit_actions import AuditAction
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.privacy import RetentionPurge

# MAC payload versions: 1 covers the personal values themselves, 2 covers their salted digest.
MAC_V1, MAC_V2 = 1, 2


def digest(salt: str, fields: dict[str, Any]) -> str:
    """SHA-256 of the personal fields under a per-row salt (a blanked value cannot be guessed back)."""
    return hashlib.sha256(f"{salt}:{canonical_json(fields)}".encode()).hexdigest()


def seal(row: Any, fields: dict[str, Any]) -> None:
    """Give a new evidence row a fresh salt and the digest of its personal fields (MAC version 2)."""
    row.mac_version = MAC_V2
    row.pii_salt = secrets.token_hex(16)
    row.pii_digest = digest(row.pii_salt, fields)


def unchanged(row: Any, fields: dict[str, Any]) -> bool:
    """True when the row's personal fields still match the digest its MAC covers."""
    return row.pii_salt is not None and digest(row.pii_salt, fields) == row.pii_digest


# ---- retention purges ------------------------------------------------------------------------
# A blank personal field is acceptable only where a *genuine* purge names it: a retention_purge
# row whose MAC holds and whose "retention.purged" audit entry (in the hash chain) repeats that
# MAC. A row inserted by hand, or one naming rows it did not blank, is reported and vouches for
# nothing.

PURGE_MAC_PURPOSE = "retention-purge"
# How a purge names the owner of a row it blanked, per table (the audit log names two people).
OWNER_COLUMNS: dict[str, tuple[str, ...]] = {
    "acknowledgement": ("user_id",),
    "consent_event": ("user_id",),
    "certificate": ("user_id",),
    "audit_event": ("actor_id", "subject_id"),
}
# Fields a purge replaces by the pseudonym rather than blanking (what certificates print).
PSEUDONYMISED_FIELDS = {"certificate": ("holder_name",)}
_CHUNK = 500


def purge_mac(purge: Any) -> str:
    """HMAC-SHA256 over every field of a retention_purge row (what it blanked included)."""
    payload = canonical_json(
        {
            "user_id": purge.user_id,
            "purged_at": purge.purged_at.astimezone(UTC).isoformat(),
            "pseudonym": purge.pseudonym,
            "retention_years": purge.retention_years,
            "acknowledgements": purge.acknowledgements,
            "consent_events": purge.consent_events,
            "audit_events": purge.audit_events,
            "blanked": purge.blanked,
        }
    )
    return hmac.new(evidence_key(PURGE_MAC_PURPOSE), payload.encode(), hashlib.sha256).hexdigest()


def blanked_digest(blanked: str | None) -> str:
    """SHA-256 of the purge's `blanked` text, repeated in its audit entry."""
    return hashlib.sha256((blanked or "").encode()).hexdigest()


@dataclass(frozen=True)
class GenuinePurge:
    """A purge that verified: whose records, under which pseudonym, and exactly which rows.

    `named` is None for a purge written before purges named their rows (its audit entry,
    in the chain, vouches for it): every row of that person is then accepted blank.
    """

    id: int
    user_id: int
    pseudonym: str
    named: dict[str, frozenset[int]] | None
    fields: dict[str, tuple[str, ...]]

    def names(self, table: str, row_id: int) -> bool:
        return self.named is None or row_id in self.named.get(table, frozenset())

    def left_as_purged(self, table: str, values: dict[str, Any]) -> bool:
        """True when every value is what a purge leaves: blank, or the pseudonym where printed."""
        allowed = PSEUDONYMISED_FIELDS.get(table, ())
        return all(
            value in (None, "") or (name in allowed and value == self.pseudonym)
            for name, value in values.items()
        )


def _purge_entries() -> dict[str, list[tuple[int, int | None, dict]]]:
    """The "retention.purged" audit entries by target: "purge:<id>", or "user:<id>" (unsealed)."""
    found: dict[str, list[tuple[int, int | None, dict]]] = {}
    for seq, subject_id, target_type, target_id, details in db.session.execute(
        select(
            AuditEvent.seq,
            AuditEvent.subject_id,
            AuditEvent.target_type,
            AuditEvent.target_id,
            AuditEvent.details,
        ).where(AuditEvent.action == AuditAction.RETENTION_PURGED.value)
    ):
        key = f"{'purge' if target_type == 'retention_purge' else 'user'}:{target_id}"
        found.setdefault(key, []).append((seq, subject_id, json.loads(details)))
    return found


def genuine_purges(problems: list[str] | None = None) -> dict[int, GenuinePurge]:
    """User id -> the purge that verified; what is wrong with the others goes to `problems`."""
    problems = problems if problems is not None else []
    entries = _purge_entries()
    genuine: dict[int, GenuinePurge] = {}
    used: set[str] = set()
    for purge in db.session.scalars(select(RetentionPurge).order_by(RetentionPurge.id)):
        where = f"retention purge id={purge.id} (user {purge.user_id})"
        if purge.mac is None and purge.blanked is None:
            # Written before purges were sealed: only the chain's entry of that time vouches.
            key = f"user:{purge.user_id}"
            matches = [
                e
                for e in entries.get(key, [])
                if "purge_id" not in e[2] and e[2].get("pseudonym") == purge.pseudonym
            ]
            if len(matches) != 1:
                problems.append(f"{where}: no sealed record and no audit entry (row inserted)")
                continue
            used.add(key)
            genuine[purge.user_id] = GenuinePurge(
                purge.id, purge.user_id, purge.pseudonym, None, {}
            )
            continue
        key = f"purge:{purge.id}"
        matches = entries.get(key, [])
        used.add(key)
        if purge.mac is None or not hmac.compare_digest(purge_mac(purge), purge.mac):
            problems.append(f"{where}: content altered or forged (MAC mismatch)")
            continue
        if len(matches) != 1:
            problems.append(
                f"{where}: {'no' if not matches else len(matches)} audit entries record it"
                + (" (row inserted)" if not matches else "")
            )
            continue
        seq, subject_id, details = matches[0]
        if (
            subject_id != purge.user_id
            or details.get("mac") != purge.mac
            or details.get("blanked_sha256") != blanked_digest(purge.blanked)
            or details.get("pseudonym") != purge.pseudonym
        ):
            problems.append(f"{where}: differs from audit entry seq={seq} (row replaced)")
            continue
        blanked = json.loads(purge.blanked or "{}")
        genuine[purge.user_id] = GenuinePurge(
            purge.id,
            purge.user_id,
            purge.pseudonym,
            {table: frozenset(int(i) for i in part["ids"]) for table, part in blanked.items()},
            {table: tuple(part["fields"]) for table, part in blanked.items()},
        )
    for key, found in sorted(entries.items()):
        if key.startswith("purge:") and key not in used:
            for seq, _subject, _details in found:
                problems.append(
                    f"retention purge id={key.split(':', 1)[1]} recorded by audit entry "
                    f"seq={seq} is missing (row deleted)"
                )
    return genuine


class PurgedRecords(AbstractSet[int]):
    """The people a genuine retention purge pseudonymised (a set of user ids), and which rows
    each purge blanked. Loaded on first use: most checks never need it (the digest matches)."""

    def __init__(self) -> None:
        self._purges: dict[int, GenuinePurge] | None = None

    @property
    def purges(self) -> dict[int, GenuinePurge]:
        if self._purges is None:
            self._purges = genuine_purges()
        return self._purges

    def __contains__(self, user_id: object) -> bool:
        return user_id in self.purges

    def __iter__(self) -> Iterator[int]:
        return iter(self.purges)

    def __len__(self) -> int:
        return len(self.purges)

    def naming(self, table: str, row_id: int, owners: Iterable[int | None]) -> GenuinePurge | None:
        """The genuine purge of one of the row's owners that names this row, if any."""
        for owner in owners:
            purge = self.purges.get(owner) if owner is not None else None
            if purge is not None and purge.names(table, row_id):
                return purge
        return None


def purged_user_ids() -> PurgedRecords:
    """People whose records a genuine retention purge pseudonymised (their blanked fields are
    expected where that purge names them). Purge rows that fail their checks are left out."""
    return PurgedRecords()


def purged_pseudonym(user_id: int) -> str | None:
    """The pseudonym a genuine purge gave this person, or None: what a receipt or certificate
    shows instead of a sealed name that the purge blanked."""
    purge = genuine_purges().get(user_id)
    return purge.pseudonym if purge else None


def resealed(kind: str) -> dict[int, tuple[str, str]]:
    """Record id -> (MAC before, MAC after) for version 1 rows resealed by a retention purge.

    Read from the "retention.purged" audit entries, which the chain protects.
    """
    found: dict[int, tuple[str, str]] = {}
    for details in db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == AuditAction.RETENTION_PURGED.value)
    ):
        for record_id, (before, after) in (
            json.loads(details).get("resealed", {}).get(kind, {}).items()
        ):
            found[int(record_id)] = (before, after)
    return found


def check_personal(row: Any, fields: dict[str, Any], purged: AbstractSet[int]) -> str | None:
    """Why a version 2 row's personal fields do not match its digest, or None when they do.

    Blank fields (or, where a purge prints it, the pseudonym) are accepted only where a genuine
    retention purge of the row's owner names this very row. `purged` comes from
    purged_user_ids(); a plain set of user ids (older callers) accepts blanks person by person.
    """
    if unchanged(row, fields):
        return None
    if purge_accepts(row, fields, purged):
        return None
    if not any(fields.values()):
        return "personal fields removed without a recorded retention purge naming this row"
    return "personal fields altered (digest mismatch)"


def purge_accepts(row: Any, fields: dict[str, Any], purged: AbstractSet[int]) -> bool:
    """True when these fields of the row hold what a genuine purge naming this row left there:
    blanks or, where the purge prints it, the pseudonym. With a plain set of user ids (older
    callers) blanks are accepted person by person."""
    if isinstance(purged, PurgedRecords):
        table = row.__table__.name
        owners = [getattr(row, column, None) for column in OWNER_COLUMNS.get(table, ("user_id",))]
        purge = purged.naming(table, row.id, owners)
        return purge is not None and purge.left_as_purged(table, fields)
    return row.user_id in purged and not any(fields.values())


def verify_purges(report: Any) -> None:
    """`flask audit verify`: every retention purge sealed, audited and exact.

    Reports purge rows without their audit entry, altered or forged ones, audit entries whose
    purge row is gone, named rows that are missing, belong to someone else or are not blank;
    then accepts the blank audit entries (found by the chain check) that a genuine purge names.
    """
    purges = genuine_purges(report.problems)
    for purge in purges.values():
        for table, ids in (purge.named or {}).items():
            _check_named_rows(report, purge, table, ids)
    for entry_id, (_where, actor_id, subject_id) in list(report.blanked_audit_entries.items()):
        for owner in (actor_id, subject_id):
            by_owner = purges.get(owner) if owner is not None else None
            if by_owner is not None and by_owner.names("audit_event", entry_id):
                del report.blanked_audit_entries[entry_id]
                break
    report.checked["retention purges"] = len(db.session.scalars(select(RetentionPurge.id)).all())


def _check_named_rows(report: Any, purge: GenuinePurge, table: str, ids: frozenset[int]) -> None:
    where = f"retention purge id={purge.id} (user {purge.user_id})"
    model_table = db.metadata.tables.get(table)
    owners = OWNER_COLUMNS.get(table)
    fields = purge.fields.get(table, ())
    if model_table is None or owners is None or not set(fields) <= set(model_table.c.keys()):
        report.problems.append(f"{where}: names {table} fields {list(fields)} it cannot blank")
        return
    columns = [
        model_table.c.id,
        *(model_table.c[o] for o in owners),
        *(model_table.c[f] for f in fields),
    ]
    found: dict[int, Any] = {}
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for fetched in db.session.execute(select(*columns).where(model_table.c.id.in_(chunk))):
            found[fetched[0]] = fetched
    for row_id in ordered:
        row = found.get(row_id)
        if row is None:
            report.problems.append(f"{where}: names {table} id={row_id}, which is missing")
            continue
        if purge.user_id not in row[1 : 1 + len(owners)]:
            report.problems.append(f"{where}: names {table} id={row_id} of another person")
            continue
        values = dict(zip(fields, row[1 + len(owners) :], strict=True))
        if not purge.left_as_purged(table, values):
            report.problems.append(f"{where}: names {table} id={row_id}, which it did not blank")
