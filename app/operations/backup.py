"""`flask backup create DIR` and `flask backup restore FILE`: the database and the witness, in one tar.

What a backup holds (manifest.json lists it):
- the database: `pg_dump --format=custom` on PostgreSQL, or a consistent copy taken with
  SQLite's online backup API (what `sqlite3 .backup` does);
- a copy of the audit witness file (the signed chain heads), when it is a file;
- the content and quiz folders when they live outside the installed code (customised content).
Scans of paper forms are rows of evidence_attachment: they are in the database dump.

What it deliberately does NOT hold: the evidence MAC keys and the Ed25519 signing key. A stolen
backup with its keys would let a thief forge evidence that verifies; keep the key files in a
separate, more protected backup (the manifest says where they are read from).

Restore goes into a new, empty database only (it never overwrites data) and keeps a witness that
is already on the host: the witness is newer than any backup, so `flask audit verify` then tells
an older backup (entries written after it are missing) from an intact one.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT
from app.core import audit
from app.evidence import signing_keys, witness
from app.extensions import db
from app.models.types import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_COPY = "database.sqlite3"
WITNESS_COPY = "audit-witness.jsonl"
KEYS_NOTE = "KEYS-NOT-INCLUDED.txt"


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


def _backend() -> str:
    return "postgresql" if db.engine.dialect.name == "postgresql" else "sqlite"


def _pg_command(program: str) -> tuple[str, dict[str, str]]:
    """The libpq URL (password left out of the command line) and environment for pg_dump/restore."""
    if shutil.which(program) is None:
        raise BackupError(
            f"{program} is not installed: install postgresql-client (the same major version as "
            "the server or newer), e.g. `apt install postgresql-client`."
        )
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _sqlite_path() -> Path:
    database = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database
    if not database or database == ":memory:":
        raise BackupError("the SQLite database is in memory: nothing to back up or restore")
    return Path(database)


def _key_locations() -> dict[str, str]:
    config = current_app.config
    if config.get("EVIDENCE_KEYS"):
        evidence = "the EVIDENCE_KEYS environment variable"
    else:
        evidence = str(
            config.get("EVIDENCE_KEY_FILE")
            or Path(current_app.instance_path) / "evidence-keys.json"
        )
    return {"evidence_keys": evidence, "signing_key": str(signing_keys.key_file_path())}


def _keys_note(locations: dict[str, str]) -> str:
    return (
        "This backup does not contain the keys, by design.\n\n"
        "A backup together with its keys would let whoever holds it forge evidence that verifies.\n"
        "Back the keys up separately (offline or in a secrets store) and restore them before\n"
        "starting Charte on a restored database:\n\n"
        f"  evidence MAC keys:  {locations['evidence_keys']}\n"
        f"  signing key (Ed25519): {locations['signing_key']}\n\n"
        "Without the same keys, `flask audit verify` reports every sealed row as broken.\n"
    )


@dataclass(frozen=True)
class Created:
    path: Path
    manifest: dict


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def _custom_folders() -> dict[str, Path]:
    """Content folders configured outside the installed code: the installation's own content."""
    found = {}
    for key, name in (("CONTENT_DIR", "content"), ("QUIZZES_DIR", "quizzes")):
        folder = Path(current_app.config.get(key) or "").resolve()
        if folder.is_dir() and not folder.is_relative_to(PROJECT_ROOT):
            found[name] = folder
    return found


def create(directory: Path) -> Created:
    """Write charte-backup-<UTC time>.tar (mode 0600) into `directory` and return it."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    backend = _backend()
    head = audit.current_head()
    revision = db.session.scalar(text("SELECT version_num FROM alembic_version"))
    db.session.rollback()  # nothing held open while the dump runs
    where = witness.target()
    locations = _key_locations()
    folders = _custom_folders()
    created_at = utcnow()
    manifest = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "backend": backend,
        "database": PG_DUMP if backend == "postgresql" else SQLITE_COPY,
        "migration_revision": revision,
        "audit_head": head.as_dict() if head else None,
        "witness": WITNESS_COPY if where.file and where.file.exists() else None,
        "witness_source": str(where.file) if where.file else f"syslog {where.syslog}",
        "folders": sorted(folders),
        "keys_included": False,
        "key_locations": locations,
        "attachments": "in the database (table evidence_attachment)",
    }
    stamp = created_at.strftime("%Y%m%dT%H%M%SZ")
    final = directory / f"charte-backup-{stamp}.tar"
    partial = directory / f".{final.name}.partial"
    with tempfile.TemporaryDirectory(prefix="charte-backup-") as scratch:
        dump = Path(scratch) / manifest["database"]
        if backend == "postgresql":
            conninfo, env = _pg_command("pg_dump")
            result = subprocess.run(  # noqa: S603 - fixed program, arguments not from a shell
                ["pg_dump", "--format=custom", "--file", str(dump), "--dbname", conninfo],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        else:
            source = sqlite3.connect(_sqlite_path())
            target = sqlite3.connect(dump)
            try:
                source.backup(target)  # consistent even while the app writes
            finally:
                target.close()
                source.close()
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
            _add_bytes(tar, KEYS_NOTE, _keys_note(locations).encode())
            tar.add(dump, arcname=manifest["database"])
            if manifest["witness"] and where.file:
                _add_bytes(tar, WITNESS_COPY, where.file.read_bytes())
            for name, folder in folders.items():
                tar.add(folder, arcname=name)
    partial.rename(final)  # a backup file that exists is complete
    return Created(final, manifest)


@dataclass
class Restored:
    manifest: dict
    witness_note: str
    report: audit.VerificationReport


def read_manifest(tar: tarfile.TarFile, source: Path) -> dict:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.loads(member.read()) if member else None
    except (KeyError, ValueError) as exc:
        raise BackupError(f"{source} is not a Charte backup (no readable {MANIFEST})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: unknown backup format {manifest!r:.60}")
    expected = {"postgresql": PG_DUMP, "sqlite": SQLITE_COPY}
    if expected.get(str(manifest.get("backend"))) != manifest.get("database") or manifest.get(
        "witness"
    ) not in (None, WITNESS_COPY):
        raise BackupError(f"{source}: its manifest names unexpected files; nothing was changed")
    return manifest


def _require_empty_database() -> None:
    tables = inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(
            f"the target database already holds {len(tables)} table(s): restore only into a "
            "new, empty database (e.g. `createdb -O charte_owner charte_restored`, then point "
            "DATABASE_URL at it). Nothing was changed."
        )


def _witness_newest_seq(path: Path) -> int | None:
    newest = None
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        try:
            head = witness._parse_line(number, line)  # noqa: SLF001 - same verified parser
        except ValueError:
            continue
        newest = head.seq if newest is None else max(newest, head.seq)
    return newest


def restore(source: Path) -> Restored:
    """Restore `source` into the configured (empty) database, then verify the audit chain."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    try:
        tar = tarfile.open(source, mode="r")  # noqa: SIM115 - closed by the `with tar` below
    except tarfile.TarError as exc:
        raise BackupError(f"{source} is not a Charte backup (not a tar file)") from exc
    with tar, tempfile.TemporaryDirectory(prefix="charte-restore-") as scratch:
        manifest = read_manifest(tar, source)
        backend = _backend()
        if manifest["backend"] != backend:
            raise BackupError(
                f"this backup is of a {manifest['backend']} database; DATABASE_URL points at "
                f"{backend}. Nothing was changed."
            )
        _require_empty_database()
        names = [manifest["database"]] + ([WITNESS_COPY] if manifest.get("witness") else [])
        for name in names:
            try:
                tar.extract(name, scratch, filter="data")  # no links, no paths out of scratch
            except (KeyError, tarfile.TarError) as exc:
                raise BackupError(
                    f"{source} is incomplete ({name}: {exc}); nothing was changed"
                ) from exc
        dump = Path(scratch) / manifest["database"]
        db.session.remove()
        db.engine.dispose()
        if backend == "postgresql":
            conninfo, env = _pg_command("pg_restore")
            result = subprocess.run(  # noqa: S603 - fixed program, arguments not from a shell
                [
                    "pg_restore",
                    "--no-owner",  # the restoring role (the owner role) owns what it creates
                    "--no-privileges",  # grants come from migrations/app_role.sql, run after
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                    conninfo,
                    str(dump),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed (nothing restored): {result.stderr.strip()}")
        else:
            source_db = sqlite3.connect(dump)
            target_db = sqlite3.connect(_sqlite_path())
            try:
                source_db.backup(target_db)
            finally:
                target_db.close()
                source_db.close()
        witness_note = _restore_witness(manifest, Path(scratch) / WITNESS_COPY)
    report = audit.verify_all()
    db.session.rollback()
    return Restored(manifest, witness_note, report)


def _restore_witness(manifest: dict, copy: Path) -> str:
    """Keep a witness already on this host (it is the newer record); else put the backup's back."""
    where = witness.target()
    if where.file is None:
        return (
            "the witness goes to syslog: verify with `flask audit verify --witness FILE` and a "
            "copy of its lines"
        )
    backup_seq = (manifest.get("audit_head") or {}).get("seq") or 0
    if where.file.exists():
        newest = _witness_newest_seq(where.file)
        if newest is not None and newest > backup_seq:
            return (
                f"this backup is OLDER than the audit witness {where.file}: the backup ends at "
                f"audit entry {backup_seq}, the witness saw entry {newest}. Evidence recorded "
                f"after the backup (entries {backup_seq + 1}\u2013{newest}) is not in it; the "
                "witness file was kept, so `flask audit verify` reports them missing."
            )
        return f"kept the existing audit witness {where.file}"
    if not copy.exists():
        return f"no witness in the backup and none at {where.file}"
    where.file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(where.file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(copy.read_bytes())
    return f"no witness on this host: restored the backup's copy to {where.file}"
