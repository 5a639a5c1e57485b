"""`flask config check`: set / defaulted / wrong for every documented setting, secrets shown only
by their length, exit 1 when something is wrong."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from app.config import DOCUMENTED_SETTINGS
from app.operations import config_check
from tests.production import signing_key_file

ROOT = Path(__file__).resolve().parents[2]


def _clean_env(**values: str) -> dict[str, str | None]:
    """Every documented setting unset (whatever the test process has), then these values."""
    env: dict[str, str | None] = {setting.name: None for setting in DOCUMENTED_SETTINGS}
    env.update(values)
    return env


def _good_production(**overrides: str) -> dict[str, str]:
    return {
        "CHARTE_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "CHARTE_BASE_URL": "https://charte.example.org",
        "EVIDENCE_KEYS": json.dumps({"p1": secrets.token_hex(32)}),
        "CHARTE_SIGNING_KEY_FILE": signing_key_file(),
        "DATABASE_URL": "postgresql://charte:db-password-123@127.0.0.1/charte",
        "RATELIMIT_STORAGE_URI": "redis://:redis-password-456@127.0.0.1:6379/0",
        "WEB_CONCURRENCY": "4",
        "MAIL_PASSWORD": "smtp-password-789",
        "METRICS_TOKEN": secrets.token_hex(24),
        "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="charte-metrics-"),
        **overrides,
    }


def _by_name(reports):
    return {report.name: report for report in reports}


def test_cli_good_production_exits_0_and_prints_no_secret(app):
    env = _good_production()
    result = app.test_cli_runner().invoke(args=["config", "check"], env=_clean_env(**env))
    assert result.exit_code == 0, result.output
    assert "Configuration OK" in result.output
    for name in ("SECRET_KEY", "EVIDENCE_KEYS", "MAIL_PASSWORD", "METRICS_TOKEN"):
        assert env[name] not in result.output
        assert f"set ({len(env[name])} chars)" in result.output
    for password in ("db-password-123", "redis-password-456", "smtp-password-789"):
        assert password not in result.output
    assert "postgresql://charte:***@127.0.0.1/charte" in result.output
    lines = {
        line.split()[0]: line.split()[1] for line in result.output.splitlines() if "  " in line
    }
    assert lines["SECRET_KEY"] == "set"
    assert lines["MAIL_SERVER"] == "defaulted"
    assert lines["CHARTE_ENV"] == "set"


def test_cli_wrong_settings_exit_1_and_say_why(app):
    env = _good_production(
        SECRET_KEY="change-me",
        RATELIMIT_STORAGE_URI="memory://",
        CHARTE_BASE_URL="http://charte.example.org",
        METRICS_TOKEN="short",
    )
    result = app.test_cli_runner().invoke(args=["config", "check"], env=_clean_env(**env))
    assert result.exit_code == 1, result.output
    assert "change-me" not in result.output and "short\n" not in result.output
    assert "4 wrong" in result.output
    assert "memory:// with 4 workers" in result.output
    assert "must start with https://" in result.output
    assert "published test or example key" in result.output


def test_missing_production_settings_are_wrong():
    reports = _by_name(config_check.check({"CHARTE_ENV": "production"}))
    wrong = {name for name, report in reports.items() if report.state == config_check.WRONG}
    assert {"SECRET_KEY", "CHARTE_BASE_URL", "EVIDENCE_KEYS", "CHARTE_SIGNING_KEY_FILE"} <= wrong
    assert "required in production" in reports["CHARTE_SIGNING_KEY_FILE"].problem


def test_passwords_in_urls_are_hidden():
    reports = _by_name(
        config_check.check(
            {
                "DATABASE_URL": "postgresql://charte@db/charte?sslmode=require&password=pg-secret",
                "RATELIMIT_STORAGE_URI": "redis://default:redis-secret@cache:6379/0",
            }
        )
    )
    assert reports["DATABASE_URL"].shown == (
        "postgresql://charte@db/charte?sslmode=require&password=***"
    )
    assert reports["RATELIMIT_STORAGE_URI"].shown == "redis://default:***@cache:6379/0"


def test_development_defaults_are_fine():
    reports = config_check.check({})
    assert all(report.state == config_check.DEFAULTED for report in reports)
    assert config_check.render(reports).endswith("Configuration OK")


def test_checks_beyond_start_up():
    reports = _by_name(
        config_check.check(
            {
                "SECRET_KEY": "dev",  # fine to start in development, flagged all the same
                "TRUSTED_PROXIES": "the proxy",
                "METRICS_ALLOWED_IPS": "10.0.0.0/8,nonsense",
                "MAIL_USE_TLS": "1",
                "MAIL_USE_SSL": "1",
                "OIDC_ISSUER": "https://sso.example.org",
                "EVIDENCE_KEY_FILE": "/nonexistent/evidence-keys.json",
                "WEB_CONCURRENCY": "3",
                "METRICS_TOKEN": "m" * 40,
            }
        )
    )
    assert "refused in production" in reports["SECRET_KEY"].problem
    assert reports["SECRET_KEY"].shown == "set (3 chars)"
    assert "neither a number of proxies nor a network" in reports["TRUSTED_PROXIES"].problem
    assert "'nonsense' is not a network" in reports["METRICS_ALLOWED_IPS"].problem
    assert "cannot both be on" in reports["MAIL_USE_SSL"].problem
    assert "OIDC_CLIENT_ID" in reports["OIDC_ISSUER"].problem
    assert "does not exist" in reports["EVIDENCE_KEY_FILE"].problem
    assert "3 workers" in reports["RATELIMIT_STORAGE_URI"].problem
    assert "one worker's counts" in reports["PROMETHEUS_MULTIPROC_DIR"].problem


def test_the_module_reports_what_production_refuses_to_start_with():
    """`flask` cannot load an app that refuses to start: the module gives the same report."""
    env = {k: v for k, v in os.environ.items() if k not in {s.name for s in DOCUMENTED_SETTINGS}}
    env.update(CHARTE_ENV="production", SECRET_KEY="secret-value-that-is-weak")
    result = subprocess.run(
        [sys.executable, "-m", "app.operations.config_check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "SECRET_KEY" in result.stdout and "wrong" in result.stdout
    assert "secret-value-that-is-weak" not in result.stdout
    assert "set (25 chars)" in result.stdout


def test_evidence_keys_that_production_would_refuse():
    bad_json = _by_name(config_check.check({"EVIDENCE_KEYS": "p1=secret"}))["EVIDENCE_KEYS"]
    assert bad_json.state == config_check.WRONG and "must be JSON" in bad_json.problem
    assert "p1=secret" not in bad_json.shown
    short = _by_name(config_check.check({"EVIDENCE_KEYS": '{"k": "abc"}'}))["EVIDENCE_KEYS"]
    assert short.state == config_check.WRONG and "too weak" in short.problem
    unknown_id = _by_name(
        config_check.check(
            {"EVIDENCE_KEYS": json.dumps({"k": secrets.token_hex(32)}), "EVIDENCE_KEY_ID": "z"}
        )
    )["EVIDENCE_KEYS"]
    assert "EVIDENCE_KEY_ID 'z'" in unknown_id.problem


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"METRICS_TOKEN": "guessable"}, "METRICS_TOKEN: too short"),
        ({"METRICS_ALLOWED_IPS": "10.0.0.0/8,the-monitoring-host"}, "is not a network"),
    ],
)
def test_production_refuses_a_half_protected_metrics_endpoint(tmp_path, config, message):
    from app import create_app
    from tests.production import production_config

    with pytest.raises(RuntimeError, match=message):
        create_app(
            config=production_config(
                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db", **config
            ),
            env="production",
        )
    app = create_app(
        config=production_config(
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db",
            METRICS_TOKEN=secrets.token_hex(32),
            METRICS_ALLOWED_IPS="10.0.0.0/8",
        ),
        env="production",
    )
    assert app.config["METRICS_ALLOWED_IPS"] == "10.0.0.0/8"
