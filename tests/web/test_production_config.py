"""Production mode is safe by default: strong SECRET_KEY, a configured base URL, no demo accounts;
the first administrator comes from `flask users create`."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from app.config import TestConfig, secret_key_problem
from app.extensions import db
from app.models.user import User
from tests.production import production_config

ROOT = Path(__file__).resolve().parents[2]


def _published_keys() -> set[str]:
    """Every SECRET_KEY value written in the repository's documentation and test suite."""
    pattern = re.compile(r"""SECRET_KEY["']?\s*[=:]\s*["']?([^\s"'`,)]+)""")
    texts = [
        ROOT / "README.md",
        *ROOT.glob("docs/**/*.md"),
        *ROOT.glob("app/**/*.py"),
        *ROOT.glob("tests/**/*.py"),
    ]
    found = {m.group(1) for path in texts for m in pattern.finditer(path.read_text("utf-8"))}
    return {k for k in found if not k.startswith(("secrets.", "None", "{", "production_config"))}


@pytest.mark.parametrize(
    "key",
    [
        "x",
        "x" * 32,
        "k" * 64,
        "0123456789abcdef" * 4,  # hex alphabet, but a pattern
        secrets.token_hex(16),  # 16 bytes: half of what is needed
        TestConfig.SECRET_KEY,  # the test suite's key, published with the code
        "change-me",
    ],
    ids=["one-char", "x32", "k64", "hex-pattern", "hex-16-bytes", "test-suite-key", "change-me"],
)
def test_weak_or_published_secret_keys_are_refused_in_production(tmp_path, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            config=production_config(
                SECRET_KEY=key, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db"
            ),
            env="production",
        )


def test_every_key_written_in_the_docs_or_tests_is_refused():
    keys = _published_keys()
    assert TestConfig.SECRET_KEY in keys  # the scan does find them
    assert {k: secret_key_problem(k) for k in keys if secret_key_problem(k) is None} == {}


@pytest.mark.parametrize(
    "key",
    [secrets.token_hex(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)],
    ids=["hex-32-bytes", "urlsafe-32-bytes", "urlsafe-64-bytes"],
)
def test_random_keys_of_32_bytes_are_accepted(key):
    assert secret_key_problem(key) is None


def test_production_needs_an_https_base_url(tmp_path):
    database = f"sqlite:///{tmp_path}/p.db"
    with pytest.raises(RuntimeError, match="CHARTE_BASE_URL must be set in production"):
        create_app(
            config=production_config(CHARTE_BASE_URL=None, SQLALCHEMY_DATABASE_URI=database),
            env="production",
        )
    with pytest.raises(RuntimeError, match="https://"):
        create_app(
            config=production_config(
                CHARTE_BASE_URL="http://charte.example.org", SQLALCHEMY_DATABASE_URI=database
            ),
            env="production",
        )
    app = create_app(config=production_config(SQLALCHEMY_DATABASE_URI=database), env="production")
    assert app.config["CHARTE_BASE_URL"] == "https://charte.example.org"


def test_development_defaults_to_a_fixed_base_url(tmp_path, monkeypatch):
    monkeypatch.delenv("CHARTE_BASE_URL", raising=False)
    monkeypatch.delenv("CHARTE_BIND", raising=False)
    app = create_app(
        config={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/d.db", "CHARTE_BASE_URL": None},
        env="development",
    )
    assert app.config["CHARTE_BASE_URL"] == "http://127.0.0.1:5000"


def _users() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(User))


def test_demo_refuses_to_run_in_production(app):
    production = create_app(
        config=production_config(
            SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
            CHARTE_DEFAULT_LOCALE="en",
        ),
        env="production",
    )
    runner = production.test_cli_runner()
    # The commands run in the production app's context (the CLI reuses a pushed context).
    with production.app_context():
        refused = runner.invoke(args=["demo"])
        assert refused.exit_code != 0
        assert "flask users create" in refused.output
        assert _users() == 0
        forced = runner.invoke(args=["demo", "--i-know-this-is-not-production"])
        assert forced.exit_code == 0, forced.output
        assert _users() > 0
        db.session.remove()
        db.engine.dispose()


def test_make_serve_loads_no_demo_but_make_run_does():
    makefile = (ROOT / "Makefile").read_text()

    def recipe(target: str) -> str:
        match = re.search(rf"^{target}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
        assert match, target
        return match.group(1)

    assert "flask demo" not in recipe("serve")
    assert "flask users create" in recipe("serve")  # it says how to make the first admin
    assert "flask demo" in recipe("run")


def _create(app, *args: str, stdin: str | None = None):
    base = ["users", "create", "--email", "First@Example.com", "--name", "First Admin"]
    return app.test_cli_runner().invoke(args=[*base, "--role", "admin", *args], input=stdin)


def test_first_admin_created_interactively(app):
    result = _create(app, stdin="a long passphrase\na long passphrase\n")
    assert result.exit_code == 0, result.output
    assert "a long passphrase" not in result.output  # hidden input
    user = db.session.scalar(select(User).where(User.email == "first@example.com"))
    assert user.role == "admin" and user.check_password("a long passphrase")


def test_first_admin_created_from_stdin_for_scripts(app):
    result = _create(app, "--password-stdin", stdin="a long passphrase\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "first@example.com"))
    assert user.check_password("a long passphrase")


def test_refused_password_leaves_no_account_behind(app):
    result = _create(app, "--password", "short")
    assert result.exit_code != 0 and "at least 10" in result.output
    assert _users() == 0
