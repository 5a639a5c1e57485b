"""`flask backup create` / `restore`: a restored backup verifies; an older one is named as such."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import func, inspect, select

from app.extensions import db
from app.models.user import User
from tests.conftest import BACKEND, _admin_url, _app_for, make_user


@pytest.fixture
def empty_database_url(tmp_path) -> Iterator[str]:
    """A new database with nothing in it, as `createdb` makes (SQLite: a file not yet there)."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"charte_restore_{uuid.uuid4().hex[:12]}"
    admin = _admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


@contextmanager
def other_app(url: str, instance: str, **config):
    """The same installation (keys, instance folder) pointed at another database."""
    restored = _app_for(url, **config)
    restored.instance_path = instance
    with restored.app_context():
        try:
            yield restored
        finally:
            db.session.remove()
            db.engine.dispose()


def _backup(app, directory: Path) -> Path:
    result = app.test_cli_runner().invoke(args=["backup", "create", str(directory)])
    assert result.exit_code == 0, result.output
    assert "The keys are NOT in the backup" in result.output
    (path,) = directory.glob("charte-backup-*.tar")
    return path


@pytest.fixture
def evidence(app, employee, hr, admin):
    """Three accounts created through the service: audit entries, witnessed heads."""
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_backup_restored_into_an_empty_database_verifies(
    app, evidence, tmp_path, empty_database_url
):
    archive = _backup(app, tmp_path / "backups")
    assert archive.stat().st_mode & 0o077 == 0  # readable by its owner only
    with other_app(empty_database_url, app.instance_path) as restored:
        runner = restored.test_cli_runner()
        result = runner.invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "Audit verify: OK" in result.output
        assert "kept the existing audit witness" in result.output
        assert db.session.scalar(select(func.count()).select_from(User)) == evidence
        verify = runner.invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        assert verify.output.startswith("OK:")


def test_restoring_an_older_backup_is_detected_by_the_witness(
    app, evidence, tmp_path, empty_database_url
):
    archive = _backup(app, tmp_path / "backups")
    make_user("late@example.com", "Laura Later")  # evidence written after the backup
    db.session.commit()
    with other_app(empty_database_url, app.instance_path) as restored:
        runner = restored.test_cli_runner()
        result = runner.invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 1
        assert "this backup is OLDER than the audit witness" in result.output
        assert "is not in it" in result.output
        assert "missing: the witness saw head seq" in result.output
        # The data is restored (the operator decides), and verify keeps saying what is lost.
        assert db.session.scalar(select(func.count()).select_from(User)) == evidence
        verify = runner.invoke(args=["audit", "verify"])
        assert verify.exit_code == 1
        assert "missing: the witness saw head seq" in verify.output


def test_on_a_new_host_the_backups_witness_is_put_back(app, evidence, tmp_path, empty_database_url):
    archive = _backup(app, tmp_path / "backups")
    new_instance = tmp_path / "new-host-instance"
    # The keys come from their own backup: here the signing key file of the old host.
    with other_app(
        empty_database_url,
        str(new_instance),
        CHARTE_SIGNING_KEY_FILE=str(Path(app.instance_path) / "signing-keys.json"),
    ) as restored:
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "restored the backup's copy" in result.output
        assert (new_instance / "audit-witness.jsonl").read_bytes() == (
            Path(app.instance_path) / "audit-witness.jsonl"
        ).read_bytes()


def test_the_keys_are_not_in_the_backup(app, evidence, tmp_path):
    archive = _backup(app, tmp_path / "backups")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        note = tar.extractfile("KEYS-NOT-INCLUDED.txt").read().decode()
        manifest = json.loads(tar.extractfile("manifest.json").read())
        everything = b"".join(
            tar.extractfile(member).read() for member in tar.getmembers() if member.isfile()
        )
    assert not any("key" in name and name != "KEYS-NOT-INCLUDED.txt" for name in names)
    assert b"test-evidence-key-not-for-production-0001" not in everything
    signing = json.loads((Path(app.instance_path) / "signing-keys.json").read_text())
    private = [jwk["d"] for jwk in signing["keys"] if "d" in jwk]
    assert private  # the Ed25519 private key exists on this host...
    assert not any(d.encode() in everything for d in private)  # ...and is not in the backup
    assert manifest["keys_included"] is False and "signing key" in note
    assert manifest["audit_head"]["seq"] > 0 and manifest["witness"] == "audit-witness.jsonl"


def test_restore_refuses_a_database_that_holds_data(app, evidence, tmp_path):
    archive = _backup(app, tmp_path / "backups")
    make_user("kept@example.com", "Karl Kept")
    result = app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert result.exit_code == 1
    assert "already holds" in result.output and "Nothing was changed" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == evidence + 1


def test_restore_refuses_what_is_not_a_backup(app, tmp_path, empty_database_url):
    not_tar = tmp_path / "notes.tar"
    not_tar.write_text("hello")
    other_tar = tmp_path / "other.tar"
    with tarfile.open(other_tar, "w") as tar:
        info = tarfile.TarInfo("readme.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    with other_app(empty_database_url, app.instance_path) as restored:
        runner = restored.test_cli_runner()
        for path, message in (
            (not_tar, "not a Charte backup (not a tar file)"),
            (other_tar, "not a Charte backup (no readable manifest.json)"),
            (tmp_path / "absent.tar", "no backup file at"),
        ):
            result = runner.invoke(args=["backup", "restore", str(path)])
            assert result.exit_code == 1 and message in result.output, result.output


def test_restore_refuses_a_manifest_that_points_elsewhere(
    app, evidence, tmp_path, empty_database_url
):
    archive = _backup(app, tmp_path / "backups")
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())
    forged = tmp_path / "forged.tar"
    manifest["database"] = "../../etc/passwd"
    data = json.dumps(manifest).encode()
    with tarfile.open(forged, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with other_app(empty_database_url, app.instance_path) as restored:
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(forged)])
        assert result.exit_code == 1 and "unexpected files" in result.output, result.output
    # A manifest without its database file: incomplete, and the empty database stays empty.
    manifest["database"] = "database.pgdump" if BACKEND == "postgresql" else "database.sqlite3"
    data = json.dumps(manifest).encode()
    with tarfile.open(forged, "w") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with other_app(empty_database_url, app.instance_path) as restored:
        result = restored.test_cli_runner().invoke(args=["backup", "restore", str(forged)])
        assert result.exit_code == 1 and "is incomplete" in result.output, result.output
        assert inspect(db.engine).get_table_names() == []
