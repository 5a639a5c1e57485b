"""The example systemd units, env file, nginx site and Procfile hold together, and their commands
run: gunicorn answers /healthz and the worker runs its jobs, from a throwaway directory against a
throwaway PostgreSQL database, with the units' own ExecStart, Environment and EnvironmentFile.

No systemd is needed: the unit files are parsed, their paths (/opt/charte, /etc/charte,
/var/lib/charte) mapped into tmp_path and onto this checkout and its virtualenv.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import psycopg
import pytest

from app.config import BaseConfig
from app.operations.jobs import JOBS
from tests.conftest import BACKEND, _admin_url

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = {name: DEPLOY / "systemd" / f"charte-{name}.service" for name in ("web", "worker")}


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """systemd's syntax as far as these files use it: sections, repeated keys, comments."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path}: not Key=Value: {line!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def parse_env_file(text: str) -> dict[str, str]:
    """EnvironmentFile= syntax: KEY=VALUE lines, comments, optional quotes."""
    env = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"bad env line {line!r}"
        env[key] = value.strip().strip('"')
    return env


def test_units_run_as_charte_hardened_with_the_shared_environment():
    for name, path in UNITS.items():
        service = parse_unit(path)["Service"]
        assert service["User"] == ["charte"] and service["Group"] == ["charte"], name
        assert service["EnvironmentFile"] == ["/etc/charte/charte.env"], name
        assert "CHARTE_ENV=production" in service["Environment"], name
        for option, value in (
            ("NoNewPrivileges", "yes"),
            ("ProtectSystem", "strict"),
            ("ProtectHome", "yes"),
            ("PrivateTmp", "yes"),
            ("ReadWritePaths", "/var/lib/charte"),
            ("CapabilityBoundingSet", ""),
        ):
            assert service.get(option) == [value], f"{name}: {option}"
        assert parse_unit(path)["Install"]["WantedBy"] == ["multi-user.target"]
    worker = parse_unit(UNITS["worker"])["Service"]
    assert worker["KillSignal"] == ["SIGTERM"] and int(worker["TimeoutStopSec"][0]) >= 60


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_knows_every_directive_of_the_units(tmp_path):
    """systemd-analyze verify: no unknown key (a typo silently drops a hardening option)."""
    for path in UNITS.values():
        shutil.copy(path, tmp_path / path.name)
    result = subprocess.run(  # noqa: S603
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            *(str(tmp_path / p.name) for p in UNITS.values()),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # The programs live under /opt/charte on a real host only.
        if line.strip() and "is not executable: No such file or directory" not in line
    ]
    assert complaints == []


def test_nginx_procfile_and_env_example_agree_with_the_app():
    site = (DEPLOY / "nginx" / "charte.conf").read_text()
    web = parse_unit(UNITS["web"])["Service"]
    bind = next(e for e in web["Environment"] if e.startswith("CHARTE_BIND="))
    assert f"server {bind.split('=', 1)[1]};" in site  # nginx proxies to where gunicorn listens
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size and int(size.group(1)) * 1024 * 1024 == BaseConfig.MAX_CONTENT_LENGTH
    env = parse_env_file((DEPLOY / "charte.env.example").read_text())
    # One proxy (this nginx) → one trusted hop: the address nginx appends (README "Deploying
    # behind a proxy").
    assert env["TRUSTED_PROXIES"] == "1"
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site
    assert env["CHARTE_BASE_URL"].startswith("https://")
    assert env["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert (ROOT / "app" / "static").is_dir() and "alias /opt/charte/app/app/static/;" in site
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert procfile["worker"] == "flask worker"
    assert procfile["web"] == "gunicorn --config gunicorn.conf.py wsgi:app"
    assert web["ExecStart"] == [
        "/opt/charte/venv/bin/gunicorn --config /opt/charte/app/gunicorn.conf.py wsgi:app"
    ]
    assert parse_unit(UNITS["worker"])["Service"]["ExecStart"] == [
        "/opt/charte/venv/bin/flask worker"
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def throwaway_database() -> str:
    name = f"charte_units_{uuid.uuid4().hex[:12]}"
    admin = _admin_url()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


class Host:
    """The unit files' world mapped into tmp_path: /opt/charte, /etc/charte, /var/lib/charte."""

    def __init__(self, tmp_path: Path, database_url: str):
        self.venv = Path(sys.prefix)
        self.mapping = {
            "/opt/charte/app": str(ROOT),
            "/opt/charte/venv": str(self.venv),
            "/etc/charte": str(tmp_path / "etc" / "charte"),
            "/var/lib/charte": str(tmp_path / "var" / "lib" / "charte"),
        }
        for folder in ("etc/charte/keys", "var/lib/charte/witness"):
            (tmp_path / folder).mkdir(parents=True)
        env = parse_env_file(self.map((DEPLOY / "charte.env.example").read_text()))
        env.update(
            SECRET_KEY=secrets.token_hex(32),
            DATABASE_URL=database_url,
            MAIL_SERVER="",  # never mail anyone from a test (the example names a real host)
            WEB_CONCURRENCY="2",
            RATELIMIT_KEY_PREFIX=f"charte-units-{uuid.uuid4().hex[:8]}",
        )
        if not _redis_reachable():
            env.update(RATELIMIT_STORAGE_URI="memory://", WEB_CONCURRENCY="1")
        self.env_file = Path(self.mapping["/etc/charte"]) / "charte.env"
        self.env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        self.env_file.chmod(0o640)

    def map(self, text: str) -> str:
        for unit_path, here in self.mapping.items():
            text = text.replace(unit_path, here)
        return text

    def service(self, name: str, **overrides: str) -> tuple[list[str], dict[str, str], Path]:
        """The unit's command, environment and working directory, as systemd would run it."""
        service = parse_unit(UNITS[name])["Service"]
        env = {"PATH": os.environ["PATH"], "HOME": str(self.env_file.parent)}
        for env_file in service["EnvironmentFile"]:
            env.update(parse_env_file(Path(self.map(env_file)).read_text()))
        for assignment in service.get("Environment", []):
            key, _, value = assignment.partition("=")
            env[key] = self.map(value)
        env.update(overrides)
        (command,) = service["ExecStart"]
        return shlex.split(self.map(command)), env, Path(self.map(service["WorkingDirectory"][0]))

    def run(self, program: str, args: list[str], stdin: str = "") -> subprocess.CompletedProcess:
        """A one-off command of docs/deploy.md with the worker unit's environment."""
        _command, env, cwd = self.service("worker")
        return subprocess.run(  # noqa: S603
            [str(self.venv / "bin" / program), *args],
            input=stdin,
            env=env,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )


def _stop(process: subprocess.Popen) -> tuple[str, str]:
    process.send_signal(signal.SIGTERM)
    try:
        return process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.skipif(BACKEND != "postgresql", reason="the units run Charte on PostgreSQL")
def test_the_units_commands_run_from_a_throwaway_host(tmp_path, throwaway_database):
    host = Host(tmp_path, throwaway_database)
    keys = Path(host.mapping["/etc/charte"]) / "keys"
    # The deploy steps: keys, then the schema, with the units' environment.
    for step in (
        ["python", "-m", "app.core.keys", "create", str(keys / "evidence-keys.json")],
        ["python", "-m", "app.evidence.signing_keys", "create", str(keys / "signing-keys.json")],
        ["flask", "db", "upgrade"],
    ):
        done = host.run(step[0], step[1:])
        assert done.returncode == 0, f"{step}: {done.stdout}{done.stderr}"
    first_admin = ["users", "create", "--role", "admin", "--email", "it@example.com"]
    first_admin += ["--name", "Ina Tech", "--password-stdin"]
    done = host.run("flask", first_admin, stdin="a long enough passphrase 42\n")
    assert done.returncode == 0, done.stdout + done.stderr

    port = _free_port()
    command, env, cwd = host.service("web", CHARTE_BIND=f"127.0.0.1:{port}")
    web = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        body = None
        for _ in range(240):  # gunicorn needs a few seconds to load the app in its workers
            if web.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    body = (r.status, r.read().decode())
                    break
            except OSError:
                time.sleep(0.25)
    finally:
        out, err = _stop(web)
    assert body is not None and body[0] == 200, f"gunicorn never answered: {out}{err}"
    assert web.returncode == 0, err

    command, env, cwd = host.service("worker")
    worker = subprocess.Popen(  # noqa: S603
        command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    events = []
    try:
        for line in worker.stdout:  # one cycle: every job once
            events.append(json.loads(line))
            if len([e for e in events if e["event"] == "job"]) == len(JOBS):
                break
    finally:
        out, err = _stop(worker)
    assert worker.returncode == 0, err
    events += [json.loads(line) for line in out.splitlines()]
    outcomes = {e["job"]: e["outcome"] for e in events if e["event"] == "job"}
    assert outcomes == {
        "webhooks": "ok",
        "witness": "ok",
        "dashboard": "ok",
        "reminders": "ok",  # MAIL_SERVER is empty here: in the app only
        "notices": "ok",
        "consents": "ok",  # no mail here: expiries announced, no renewal mail
        "retention": "ok",
    }, events
    assert events[-1]["event"] == "worker_stopped"
    listing = host.run("flask", ["jobs", "list"])
    assert listing.returncode == 0 and "last ok" in listing.stdout, listing.stderr
    # CHARTE_AUDIT_WITNESS of the env file is where the witness went (not the code folder).
    witness_file = Path(host.mapping["/var/lib/charte"]) / "witness" / "audit-witness.jsonl"
    assert witness_file.exists()
    # The nightly backup of docs/deploy.md, into the state folder the units may write.
    backups = Path(host.mapping["/var/lib/charte"]) / "backups"
    done = host.run("flask", ["backup", "create", str(backups)])
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(list(backups.glob("charte-backup-*.tar"))) == 1
    verify = host.run("flask", ["audit", "verify"])
    assert verify.returncode == 0, verify.stdout + verify.stderr
