"""Configuration classes read from the environment, with safe embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def development_secret_key(instance_path: str) -> str:
    """Return the development SECRET_KEY, generating it once and keeping it in instance/."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


class BaseConfig:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Evidence MAC keys, separate from SECRET_KEY (app/core/keys.py): JSON {"id": "secret"}, or
    # a key file (default instance/evidence-keys.json, generated outside production).
    EVIDENCE_KEYS: str | dict[str, str] | None = os.environ.get("EVIDENCE_KEYS")
    EVIDENCE_KEY_ID = os.environ.get("EVIDENCE_KEY_ID")
    EVIDENCE_KEY_FILE = os.environ.get("EVIDENCE_KEY_FILE")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hashing method, not a password
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT_PER_IP = os.environ.get("LOGIN_RATE_LIMIT_PER_IP", "20 per minute")
    LOGIN_RATE_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_RATE_LIMIT_PER_ACCOUNT", "5 per minute")
    SIGN_RATE_LIMIT = os.environ.get("SIGN_RATE_LIMIT", "10 per minute")
    VERIFY_RATE_LIMIT = os.environ.get("VERIFY_RATE_LIMIT", "30 per minute")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "charte@localhost")

    CHARTE_DEFAULT_LOCALE = os.environ.get("CHARTE_DEFAULT_LOCALE", "fr")
    CHARTE_LOCALES = ("fr", "en")
    BABEL_DEFAULT_LOCALE = CHARTE_DEFAULT_LOCALE
    BABEL_DEFAULT_TIMEZONE = "UTC"
    CHARTE_ORGANISATION_NAME = os.environ.get("CHARTE_ORGANISATION_NAME", "Charte Demo SA")
    CHARTE_BASE_URL = os.environ.get("CHARTE_BASE_URL")  # None: derive from the request
    INVITATION_MAX_AGE_SECONDS = int(os.environ.get("INVITATION_MAX_AGE_SECONDS", 7 * 24 * 3600))
    PASSWORD_RESET_MAX_AGE_SECONDS = int(os.environ.get("PASSWORD_RESET_MAX_AGE_SECONDS", 3600))
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 5 * 1024 * 1024))
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Scans of paper forms recorded by HR (PDF, PNG, JPEG).
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))

    # Single sign-on (OpenID Connect); without OIDC_ISSUER there is no SSO at all.
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET")
    OIDC_BUTTON_LABEL = os.environ.get("OIDC_BUTTON_LABEL")
    OIDC_DEPARTMENT_CLAIM = os.environ.get("OIDC_DEPARTMENT_CLAIM")
    OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM")
    OIDC_ROLE_MAP = os.environ.get("OIDC_ROLE_MAP", "")
    OIDC_TIMEOUT_SECONDS = float(os.environ.get("OIDC_TIMEOUT_SECONDS", "10"))

    # REST API and webhooks.
    API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600 per minute")  # per token
    # Webhook endpoints must use https://; tests receive on http://127.0.0.1 when this is on.
    WEBHOOKS_ALLOW_HTTP_LOOPBACK = _bool("WEBHOOKS_ALLOW_HTTP_LOOPBACK")

    CONTENT_DIR = os.environ.get("CONTENT_DIR", str(PROJECT_ROOT / "content"))
    QUIZZES_DIR = os.environ.get("QUIZZES_DIR", str(PROJECT_ROOT / "quizzes"))
    # How often a process looks at the content files for edits. Looking stats every file, too
    # costly to do on each call (an HR export asks for the catalog once per person).
    CONTENT_RELOAD_SECONDS = float(os.environ.get("CONTENT_RELOAD_SECONDS", "2"))
    # The HR dashboard's figures are reused for this long (stamped with their time; "Refresh"
    # recomputes them): at 50,000 people they take most of a second to compute.
    HR_DASHBOARD_MAX_AGE_SECONDS = float(os.environ.get("HR_DASHBOARD_MAX_AGE_SECONDS", "60"))

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    PREFERRED_URL_SCHEME = "http"
    TESTING = False
    DEBUG = False
    STRICT_CONTENT = False


class DevelopmentConfig(BaseConfig):
    """Local development: SQLite in instance/, secret key generated once."""

    DEBUG = False


class TestConfig(BaseConfig):
    """Test runs: the database URL is given by the test fixtures."""

    TESTING = True
    # One round of PBKDF2 instead of scrypt: hashing dominated each test's set-up (about 0.16 s
    # a hash on two cores). tests/web/test_web_basics.py proves production hashes with scrypt.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1"  # noqa: S105 - a hashing method
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    EVIDENCE_KEYS = {"t1": "test-evidence-key-not-for-production-0001"}
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = None
    SERVER_NAME = None
    CONTENT_RELOAD_SECONDS = 0.0  # tests edit content files and expect the edit at once
    HR_DASHBOARD_MAX_AGE_SECONDS = 0.0  # tests change records and expect the figures at once


class ProductionConfig(BaseConfig):
    """Production: refuses to start without SECRET_KEY; cookies only over HTTPS."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    STRICT_CONTENT = True


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}
