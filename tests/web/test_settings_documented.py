"""Every environment variable the code reads is documented once (app/config.py
DOCUMENTED_SETTINGS) and in the README's Configuration table; nothing documented is unread."""

from __future__ import annotations

import re
from pathlib import Path

from app.config import DOCUMENTED_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
# os.environ["X"], os.environ.get("X"), os.getenv("X"), _bool("X") (app/config.py); a WSGI
# `environ.get("REMOTE_ADDR")` is a request header, not a setting.
ENV_READ = re.compile(
    r"""(?:os\.environ(?:\.get|\.setdefault)?\s*[\[(]\s*|os\.getenv\(\s*|_bool\(\s*)"""
    r"""["']([A-Z][A-Z0-9_]+)["']"""
)
# Read from the environment only by the tests or by other programs, not by Charte itself.
NOT_SETTINGS: set[str] = set()


def _sources() -> list[Path]:
    files = sorted((ROOT / "app").rglob("*.py"))
    files += [ROOT / "gunicorn.conf.py", ROOT / "wsgi.py"]
    files += sorted((ROOT / "scripts").glob("*.py")) if (ROOT / "scripts").is_dir() else []
    return [f for f in files if f.exists()]


def _read_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for path in _sources():
        for match in ENV_READ.finditer(path.read_text(encoding="utf-8")):
            names.setdefault(match.group(1), str(path.relative_to(ROOT)))
    return names


def _readme_configuration() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("\n## Configuration\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def test_the_scan_finds_known_reads():
    names = _read_names()
    # The pattern must keep matching the ways the code reads the environment.
    assert {"SECRET_KEY", "CHARTE_ENV", "MAIL_USE_TLS", "WEB_CONCURRENCY", "CHARTE_BIND"} <= set(
        names
    )
    assert "PROMETHEUS_MULTIPROC_DIR" in names


def test_every_setting_read_is_documented_in_code():
    documented = {setting.name for setting in DOCUMENTED_SETTINGS}
    undocumented = {
        name: where
        for name, where in _read_names().items()
        if name not in documented | NOT_SETTINGS
    }
    assert not undocumented, (
        "read from the environment but missing from DOCUMENTED_SETTINGS in app/config.py "
        f"(and the README's Configuration table): {undocumented}"
    )


def test_every_documented_setting_is_read_somewhere():
    stale = {setting.name for setting in DOCUMENTED_SETTINGS} - set(_read_names())
    assert not stale, f"documented but never read: {sorted(stale)}"


def test_documented_once_with_a_meaning():
    names = [setting.name for setting in DOCUMENTED_SETTINGS]
    assert len(names) == len(set(names))
    assert all(setting.meaning for setting in DOCUMENTED_SETTINGS)


def test_every_documented_setting_is_in_the_readme_table():
    section = _readme_configuration()
    rows = "\n".join(line for line in section.splitlines() if line.startswith("| `"))
    table_names = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", rows))
    missing = sorted(s.name for s in DOCUMENTED_SETTINGS if s.name not in table_names)
    assert not missing, f"README.md Configuration table lacks: {missing}"
    unknown = sorted(table_names - {s.name for s in DOCUMENTED_SETTINGS})
    assert not unknown, f"README.md Configuration table names unknown settings: {unknown}"


def test_secrets_are_marked_secret():
    secret = {s.name for s in DOCUMENTED_SETTINGS if s.secret}
    assert {
        "SECRET_KEY",
        "EVIDENCE_KEYS",
        "MAIL_PASSWORD",
        "OIDC_CLIENT_SECRET",
        "METRICS_TOKEN",
    } <= secret
