"""`flask config check`: every documented setting as set, defaulted or wrong, secrets never shown.

It reads the environment itself rather than a created app, so that it also explains a production
configuration the app refuses to start with: `python -m app.operations.config_check` gives the
same report when `flask` cannot even load the app.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from app.config import (
    DOCUMENTED_SETTINGS,
    base_url_problem,
    secret_key_problem,
)
from app.deployment import parse_trusted_proxies

SET, DEFAULTED, WRONG = "set", "defaulted", "wrong"
MIN_METRICS_TOKEN_CHARS = 32


@dataclass(frozen=True)
class SettingReport:
    """One line of the report."""

    name: str
    state: str  # set / defaulted / wrong
    shown: str  # the value, "set (64 chars)" for a secret, or the default
    problem: str = ""


def _without_password(url: str) -> str:
    """A URL with its password replaced (database and Redis URLs carry one)."""
    parts = urlsplit(url)
    if "password=" in parts.query:  # libpq and redis also take ?password=
        query = re.sub(r"(^|&)password=[^&]*", r"\1password=***", parts.query)
        parts = parts._replace(query=query)
        url = urlunsplit(parts)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.hostname or ''}"
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _workers(environ: Mapping[str, str]) -> int:
    """The worker count the app will see: 1 unless the environment says (gunicorn.conf.py's own
    default, CPUs + 1, applies when WEB_CONCURRENCY is unset: set it for an exact check)."""
    for name in ("CHARTE_WORKERS", "WEB_CONCURRENCY"):
        value = environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return 1


def _networks_problem(raw: str) -> str:
    for item in raw.replace(";", ",").replace(" ", ",").split(","):
        if item:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                return f"{item!r} is not a network (e.g. 127.0.0.1/32,10.0.0.0/8)"
    return ""


def setting_problem(
    name: str, value: str | None, environ: Mapping[str, str], *, production: bool
) -> str:
    """Why this setting (None: unset) is wrong in this environment, or ""."""
    workers = _workers(environ)
    if name == "CHARTE_ENV":
        if value is not None and value not in ("development", "test", "production"):
            return "must be development, test or production"
    elif name == "SECRET_KEY":
        if production or value:
            problem = secret_key_problem(value) or ""
            return problem if production or not problem else problem + " (refused in production)"
    elif name == "CHARTE_BASE_URL":
        if value or production:
            return base_url_problem(value, production=production) or ""
    elif name == "EVIDENCE_KEYS":
        if value:
            try:
                keys = json.loads(value)
            except ValueError:
                keys = None
            if not isinstance(keys, dict) or not keys:
                return 'must be JSON: {"key id": "secret", ...}'
            for key_id, secret in keys.items():
                weakness = secret_key_problem(str(secret))
                if weakness and (production or len(str(secret)) < 32):
                    return f"key {key_id!r}: " + weakness.replace("SECRET_KEY", "the key")
            current = environ.get("EVIDENCE_KEY_ID")
            if current and current not in keys:
                return f"EVIDENCE_KEY_ID {current!r} is not one of its keys"
        elif production and not environ.get("EVIDENCE_KEY_FILE"):
            return "production needs EVIDENCE_KEYS or EVIDENCE_KEY_FILE"
    elif name in ("EVIDENCE_KEY_FILE", "CHARTE_SIGNING_KEY_FILE"):
        ignored = name == "EVIDENCE_KEY_FILE" and environ.get("EVIDENCE_KEYS")  # keys win
        if value and not ignored and not Path(value).is_file():
            return f"{value} does not exist or is not a file"
        if not value and production and name == "CHARTE_SIGNING_KEY_FILE":
            return "required in production (the Ed25519 key that signs receipts)"
    elif name == "RATELIMIT_STORAGE_URI":
        uri = (value or "memory://").strip()
        if uri.startswith("memory://") and workers > 1:
            return (
                f"memory:// with {workers} workers: each counts for itself; "
                "use redis://… shared by every worker"
            )
    elif name == "TRUSTED_PROXIES":
        try:
            parse_trusted_proxies(value)
        except ValueError as exc:
            return str(exc)
    elif name == "METRICS_TOKEN":
        if value is not None and len(value) < MIN_METRICS_TOKEN_CHARS:
            return f"too short: use at least {MIN_METRICS_TOKEN_CHARS} random characters"
    elif name == "METRICS_ALLOWED_IPS":
        return _networks_problem(value or "")
    elif name == "PROMETHEUS_MULTIPROC_DIR":
        if value and not (os.path.isdir(value) and os.access(value, os.W_OK)):
            return f"{value} is not a writable folder"
        metrics_on = environ.get("METRICS_TOKEN") or environ.get("METRICS_ALLOWED_IPS")
        if not value and metrics_on and workers > 1:
            return f"{workers} workers: /metrics would show one worker's counts at a time"
    elif name == "MAIL_USE_SSL":
        truthy = {"1", "true", "yes", "on"}
        if (value or "").lower() in truthy and environ.get("MAIL_USE_TLS", "").lower() in truthy:
            return "MAIL_USE_TLS and MAIL_USE_SSL cannot both be on"
    elif name == "OIDC_ISSUER":
        if value and not (environ.get("OIDC_CLIENT_ID") and environ.get("OIDC_CLIENT_SECRET")):
            return "needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"
    elif name == "WEBHOOKS_ALLOW_HTTP_LOOPBACK":
        if production and (value or "").lower() in {"1", "true", "yes", "on"}:
            return "refused in production (tests only)"
    elif name == "DATABASE_URL" and production and not value:
        return "production should use PostgreSQL (DATABASE_URL=postgresql://…)"
    return ""


def check(environ: Mapping[str, str] | None = None) -> list[SettingReport]:
    """The report for this environment (os.environ by default)."""
    environ = os.environ if environ is None else environ
    production = environ.get("CHARTE_ENV", "development") == "production"
    reports = []
    for setting in DOCUMENTED_SETTINGS:
        value: str | None = environ.get(setting.name)
        if value == "":
            value = None  # an empty variable is the same as an unset one for every setting
        if value is None:
            shown = f"default: {setting.default}" if setting.default else "default: (none)"
        elif setting.secret:
            shown = f"set ({len(value)} chars)"
        else:
            shown = _without_password(value)
        problem = setting_problem(setting.name, value, environ, production=production)
        state = WRONG if problem else (DEFAULTED if value is None else SET)
        reports.append(SettingReport(setting.name, state, shown, problem))
    return reports


def render(reports: list[SettingReport]) -> str:
    width = max(len(r.name) for r in reports)
    lines = []
    for report in reports:
        line = f"{report.name:<{width}}  {report.state:<9}  {report.shown}"
        if report.problem:
            line += f"\n{'':<{width}}  -> {report.problem}"
        lines.append(line)
    wrong = sum(r.state == WRONG for r in reports)
    lines.append(f"{wrong} wrong" if wrong else "Configuration OK")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m app.operations.config_check`: the report, exit 1 when something is wrong."""
    del argv
    reports = check()
    print(render(reports))
    return 1 if any(r.state == WRONG for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
