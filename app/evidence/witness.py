"""The truncation witness: the audit chain's head, signed and written outside the database.

The chain proves that nothing inside it was changed, but not that nothing was cut off its end:
deleting the newest entries leaves a shorter chain that still verifies. So after every commit
that appended entries (and whenever `flask audit witness` runs, e.g. from cron), the head
(seq, hash, time) is signed with the Ed25519 signing key and appended as one JSON line to the
witness (`CHARTE_AUDIT_WITNESS`). `flask audit verify` then fails when an entry at or before a
witnessed head is missing or differs.

Targets:
- a file path (default: audit-witness.jsonl in the instance folder). Each line is appended with
  one write() on a descriptor opened with O_APPEND, which the kernel positions atomically, so
  many gunicorn workers can share the file without a lock. Point it at storage the database
  operator cannot rewrite: a file made append-only (`chattr +a`), a WORM/object-lock mount, or
  a directory another host collects.
- `syslog:HOST:PORT` (UDP) or `syslog:/dev/log`: each line is also sent to syslog, e.g. to a log
  host; verify then reads a copy of the lines given with `flask audit verify --witness FILE`.

The write happens after the commit and never fails the request: an error is logged, and the next
commit (or the scheduled command) writes a newer head, which covers everything before it.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.core import audit
from app.evidence import signing_keys
from app.extensions import db
from app.models.audit import AuditEvent

log = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "audit-witness.jsonl"
_SYSLOG_KEY = "charte.witness_syslog"
_SIGNED_FIELDS = ("seq", "hash", "time", "witnessed_at")


@dataclass(frozen=True)
class Target:
    """Where witness lines go: a file, and optionally a syslog address as well."""

    file: Path | None
    syslog: str | tuple[str, int] | None = None


def target(app: Flask | None = None) -> Target:
    """Parse CHARTE_AUDIT_WITNESS (a path, `file:PATH`, or `syslog:ADDRESS`)."""
    app = app or current_app
    raw = (app.config.get("CHARTE_AUDIT_WITNESS") or "").strip()
    default_file = Path(app.instance_path) / DEFAULT_FILE_NAME
    if not raw:
        return Target(default_file)
    if raw.startswith("syslog:"):
        address = raw.removeprefix("syslog:")
        if address.startswith("/"):
            return Target(None, address)
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"CHARTE_AUDIT_WITNESS: expected syslog:HOST:PORT, got {raw!r}")
        return Target(None, (host, int(port)))
    return Target(Path(raw.removeprefix("file:")))


def signed_line(head: audit.ChainHead, app: Flask | None = None) -> bytes:
    """One witness line: the head in clear and its compact JWS (payload: the same fields)."""
    fields = {**head.as_dict(), "witnessed_at": datetime.now(UTC).isoformat()}
    payload = audit.canonical_json(fields).encode()
    return (
        audit.canonical_json({**fields, "jws": signing_keys.sign(payload, app)}) + "\n"
    ).encode()


def _append(path: Path, line: bytes) -> None:
    """One write on an O_APPEND descriptor: concurrent writers never interleave their lines."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT
    try:
        fd = os.open(path, flags, 0o640)
    except FileNotFoundError:  # the first write: its folder is made then, not on every write
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o640)
    try:
        written = os.write(fd, line)
    finally:
        os.close(fd)
    if written != len(line):
        raise OSError(f"short write to the audit witness {path}")


def _syslog(app: Flask, address: str | tuple[str, int]) -> logging.Logger:
    logger = app.extensions.get(_SYSLOG_KEY)
    if logger is None:
        handler = logging.handlers.SysLogHandler(
            address=address,
            facility=logging.handlers.SysLogHandler.LOG_AUTH,
            socktype=socket.SOCK_DGRAM,  # UDP / datagram: sending never waits for the log host
        )
        handler.setFormatter(logging.Formatter("charte-audit-witness: %(message)s"))
        logger = logging.Logger("charte.audit_witness")
        logger.addHandler(handler)
        logger.propagate = False
        app.extensions[_SYSLOG_KEY] = logger
    return logger


def write(head: audit.ChainHead, app: Flask | None = None) -> Target:
    """Sign the head and append it to the configured witness (raises on failure)."""
    app = app or current_app
    where = target(app)
    line = signed_line(head, app)
    if where.file is not None:
        _append(where.file, line)
    if where.syslog is not None:
        _syslog(app, where.syslog).info(line.decode().rstrip("\n"))
    return where


def witness_now() -> audit.ChainHead | None:
    """`flask audit witness`: write the database's current head (None: the log is empty)."""
    head = audit.current_head()
    if head is not None:
        write(head)
    return head


def _after_commit(session: Session) -> None:
    head = session.info.pop(audit.APPENDED_HEAD, None)
    if head is None or not has_app_context():
        return
    try:
        write(head)
    except Exception:  # the commit is done: never fail the request, the next head covers it
        log.exception("could not write the audit witness for seq %s", head.seq)


def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # Rolled back (even a savepoint): the noted entry may not exist; the next commit re-notes.
    session.info.pop(audit.APPENDED_HEAD, None)


def install() -> None:
    """Listen to every session's commits and rollbacks (once per process)."""
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


# ---- verification ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WitnessedHead:
    """A witness line whose signature verified."""

    seq: int
    hash: str
    time: str
    witnessed_at: str
    line: int


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _parse_line(number: int, line: str) -> WitnessedHead:
    """A verified head, or ValueError saying why the line cannot be trusted."""
    try:
        record = json.loads(line)
        token = record["jws"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("not a witness line") from exc
    _header, payload = signing_keys.verify(token)
    signed = json.loads(payload)
    if not isinstance(signed, dict) or any(
        record.get(name) != signed.get(name) for name in _SIGNED_FIELDS
    ):
        raise ValueError("its fields differ from what the signature covers")
    if not isinstance(signed["seq"], int) or not isinstance(signed["hash"], str):
        raise ValueError("not a witness line")
    return WitnessedHead(
        signed["seq"], signed["hash"], signed["time"], signed["witnessed_at"], number
    )


def _span(first: int, last: int) -> str:
    return f"entry {first} is" if first == last else f"entries {first}\u2013{last} are"


def check(report: audit.VerificationReport, path: Path | None = None) -> None:
    """Compare the database with the witness file (the configured one unless `path`)."""
    path = path or target().file
    total = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    if path is None:
        report.problems.append(
            "the audit witness goes to syslog only: run `flask audit verify --witness FILE` "
            "with a copy of its lines"
        )
        return
    if not path.exists():
        if total:
            report.problems.append(
                f"no audit witness at {path} although the log holds {total} entries: it was "
                "removed, or this installation never wrote one (then run `flask audit witness`)"
            )
        report.checked["witnessed heads"] = 0
        return
    heads: dict[int, WitnessedHead] = {}
    for number, line in _lines(path):
        try:
            head = _parse_line(number, line)
        except ValueError as exc:
            report.problems.append(f"audit witness {path} line {number}: bad signature ({exc})")
            continue
        seen = heads.get(head.seq)
        if seen is not None and seen.hash != head.hash:
            report.problems.append(
                f"audit witness lines {seen.line} and {number} hold different hashes for entry "
                f"{head.seq}: the log was rewritten between {seen.witnessed_at} and "
                f"{head.witnessed_at}"
            )
        heads.setdefault(head.seq, head)
    report.checked["witnessed heads"] = len(heads)
    if not heads:
        if total:
            report.problems.append(
                f"the audit witness {path} holds no valid head although the log holds "
                f"{total} entries"
            )
        return
    _compare(report, heads)


def _compare(report: audit.VerificationReport, heads: dict[int, WitnessedHead]) -> None:
    db_last = db.session.scalar(select(func.max(AuditEvent.seq))) or 0
    newest = heads[max(heads)]
    if newest.seq > db_last:
        report.problems.append(
            f"audit {_span(db_last + 1, newest.seq)} missing: the witness saw head seq "
            f"{newest.seq} at {newest.witnessed_at} (entry time {newest.time})"
        )
    seqs = sorted(seq for seq in heads if seq <= db_last)
    mismatches = 0
    for start in range(0, len(seqs), 500):
        chunk = seqs[start : start + 500]
        rows = db.session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(chunk))
        )
        stored = {row.seq: row.hash for row in rows}
        for seq in chunk:
            head = heads[seq]
            if stored.get(seq) == head.hash:
                continue
            mismatches += 1
            if mismatches <= 5:
                what = "missing" if seq not in stored else "different from the witnessed one"
                report.problems.append(
                    f"audit entry {seq} is {what}: the witness saw it at {head.witnessed_at} "
                    f"with hash {head.hash[:16]}\u2026 (the log was cut or rewritten)"
                )
    if mismatches > 5:
        report.problems.append(f"{mismatches - 5} more witnessed entries differ")
