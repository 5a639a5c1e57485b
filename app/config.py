"""Configuration classes read from the environment, with safe embedded defaults."""

from __future__ import annotations

import math
import os
import secrets
import string
import zlib
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

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


# Keys that were ever printed in this repository (tests, README, docs): public, so never secret.
KNOWN_PUBLIC_SECRET_KEYS = frozenset(
    {
        "test-secret-key-not-for-production",
        "test-evidence-key-not-for-production-0001",  # TestConfig.EVIDENCE_KEYS
        "change-me",
        "changeme",
        "secret",
        "dev",
        "development",
    }
)
MIN_SECRET_KEY_BITS = 256  # 32 random bytes
_BASE64_ALPHABET = frozenset(string.ascii_letters + string.digits + "+/=_-")


def secret_key_problem(key: str | None) -> str | None:
    """Why this SECRET_KEY is unfit for production, or None when it looks like 32 random bytes.

    A string cannot prove it is random; this refuses what certainly is not: missing, published,
    shorter than 256 bits for its alphabet (64 hex digits, 43 base64 characters), made of few
    distinct characters, or repetitive (it compresses well).
    """
    if not key:
        return "SECRET_KEY must be set in production (CHARTE_ENV=production)."
    if key.strip().lower() in KNOWN_PUBLIC_SECRET_KEYS:
        return "SECRET_KEY is a published test or example key; generate your own."
    if set(key) <= set(string.hexdigits):
        bits_per_char = 4.0
    elif set(key) <= _BASE64_ALPHABET:
        bits_per_char = 6.0
    else:
        bits_per_char = math.log2(95)  # printable ASCII
    weak = (
        len(key) * bits_per_char < MIN_SECRET_KEY_BITS
        or len(set(key)) < 12
        or len(zlib.compress(key.encode(), 9)) < 40
    )
    if weak:
        return (
            "SECRET_KEY is too weak: use at least 32 random bytes, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`."
        )
    return None


def base_url_problem(url: str | None, *, production: bool) -> str | None:
    """Why CHARTE_BASE_URL cannot be used to build the links we mail and print, or None."""
    if not url:
        return (
            "CHARTE_BASE_URL must be set in production: invitation, password-reset and "
            "verification links are built from it, never from the request's Host header "
            "(e.g. CHARTE_BASE_URL=https://charte.example.com)."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return f"CHARTE_BASE_URL must look like https://charte.example.com (got {url!r})."
    if production and parts.scheme != "https":
        return "CHARTE_BASE_URL must start with https:// in production (cookies are HTTPS-only)."
    return None


def development_base_url() -> str:
    """Where `make run` (or gunicorn on CHARTE_BIND) serves: the links' host outside production."""
    return "http://" + os.environ.get("CHARTE_BIND", "127.0.0.1:5000")


class Documented(NamedTuple):
    """One setting read from the environment: its name, default, meaning, and whether it is secret."""

    name: str
    default: str
    meaning: str
    secret: bool = False


# Every environment variable Charte reads, once (tests/web/test_settings_documented.py fails when
# the code reads one that is missing here or from the README's Configuration table).
# `flask config check` (app/operations/config_check.py) reports each as set, defaulted or wrong.
DOCUMENTED_SETTINGS: tuple[Documented, ...] = (
    Documented("CHARTE_ENV", "development", "`production` enforces strong keys and HTTPS"),
    Documented("CHARTE_BASE_URL", "http://$CHARTE_BIND", "public address of every link"),
    Documented("DATABASE_URL", "SQLite in instance/charte.db", "the database"),
    Documented("SECRET_KEY", "generated into instance/secret_key", "signs sessions", True),
    Documented("EVIDENCE_KEYS", "key file instance/evidence-keys.json", "evidence MAC keys", True),
    Documented("EVIDENCE_KEY_ID", "the last key", "the current evidence key id"),
    Documented("EVIDENCE_KEY_FILE", "instance/evidence-keys.json", "evidence key file"),
    Documented(
        "EVIDENCE_LEGACY_SECRET_KEY",
        "SECRET_KEY",
        "the SECRET_KEY pre-0.2.0 evidence was keyed from, if replaced since",
        True,
    ),
    Documented("CHARTE_SIGNING_KEY_FILE", "instance/signing-keys.json", "Ed25519 signing keys"),
    Documented("CHARTE_AUDIT_WITNESS", "instance/audit-witness.jsonl", "audit witness target"),
    Documented("RATELIMIT_STORAGE_URI", "memory://", "rate-limit store shared by the workers"),
    Documented("RATELIMIT_KEY_PREFIX", "", "prefix of the rate-limit keys"),
    Documented("TRUSTED_PROXIES", "", "reverse proxies whose forwarded headers count"),
    Documented("CHARTE_WORKERS", "set by gunicorn.conf.py", "worker count"),
    Documented("WEB_CONCURRENCY", "CPUs + 1", "gunicorn worker count"),
    Documented("CHARTE_BIND", "127.0.0.1:8000 (gunicorn), 127.0.0.1:5000", "listen address"),
    Documented("CHARTE_THREADS", "1", "threads per gunicorn worker"),
    Documented("CHARTE_TIMEOUT", "30", "gunicorn worker timeout (seconds)"),
    Documented("CHARTE_LOG_LEVEL", "info", "gunicorn log level"),
    Documented("LOGIN_RATE_LIMIT_PER_IP", "20 per minute", "sign-in attempts per address"),
    Documented("LOGIN_RATE_LIMIT_PER_ACCOUNT", "5 per minute", "failed sign-ins per account"),
    Documented("SIGN_RATE_LIMIT", "10 per minute", "signatures per person"),
    Documented("VERIFY_RATE_LIMIT", "30 per minute", "public verification lookups"),
    Documented("API_RATE_LIMIT", "600 per minute", "requests per API token"),
    Documented("MAIL_SERVER", "", "SMTP host; empty: no mail"),
    Documented("MAIL_PORT", "25", "SMTP port"),
    Documented("MAIL_USERNAME", "", "SMTP user"),
    Documented("MAIL_PASSWORD", "", "SMTP password", True),
    Documented("MAIL_USE_TLS", "off", "STARTTLS"),
    Documented("MAIL_USE_SSL", "off", "SMTP over TLS"),
    Documented("MAIL_DEFAULT_SENDER", "charte@localhost", "From address"),
    Documented("CHARTE_DEFAULT_LOCALE", "fr", "default language"),
    Documented("CHARTE_ORGANISATION_NAME", "Charte Demo SA", "shown on documents"),
    Documented("INVITATION_MAX_AGE_SECONDS", "604800", "invitation link validity"),
    Documented("PASSWORD_RESET_MAX_AGE_SECONDS", "3600", "reset link validity"),
    Documented("IMPORT_MAX_BYTES", "5242880", "largest CSV import"),
    Documented("ATTACHMENT_MAX_BYTES", "5242880", "largest scanned paper form"),
    Documented("MEDIA_DIR", "instance/media", "where the asset register stores photos and videos"),
    Documented("OIDC_ISSUER", "", "OpenID Connect issuer; empty: no SSO"),
    Documented("OIDC_CLIENT_ID", "", "OpenID Connect client id"),
    Documented("OIDC_CLIENT_SECRET", "", "OpenID Connect client secret", True),
    Documented("OIDC_BUTTON_LABEL", "", "label of the SSO button"),
    Documented("OIDC_DEPARTMENT_CLAIM", "", "claim giving the department"),
    Documented("OIDC_ROLE_CLAIM", "", "claim giving the role"),
    Documented("OIDC_ROLE_MAP", "", "claim value to role mapping"),
    Documented("OIDC_TIMEOUT_SECONDS", "10", "timeout talking to the issuer"),
    Documented("WEBHOOKS_ALLOW_HTTP_LOOPBACK", "off", "accept http://127.0.0.1 webhooks (tests)"),
    Documented("CONTENT_DIR", "content/", "modules"),
    Documented("QUIZZES_DIR", "quizzes/", "quizzes"),
    Documented("CONTENT_RELOAD_SECONDS", "2", "how often content files are checked for edits"),
    Documented("HR_DASHBOARD_MAX_AGE_SECONDS", "60", "how old dashboard figures may be"),
    Documented("METRICS_TOKEN", "", "bearer token for /metrics", True),
    Documented("METRICS_ALLOWED_IPS", "", "networks allowed to read /metrics without token"),
    Documented("PROMETHEUS_MULTIPROC_DIR", "", "shared metrics folder for several workers"),
)


class BaseConfig:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    # Evidence MAC keys, separate from SECRET_KEY (app/core/keys.py): JSON {"id": "secret"}, or
    # a key file (default instance/evidence-keys.json, generated outside production).
    EVIDENCE_KEYS: str | dict[str, str] | None = os.environ.get("EVIDENCE_KEYS")
    EVIDENCE_KEY_ID = os.environ.get("EVIDENCE_KEY_ID")
    EVIDENCE_KEY_FILE = os.environ.get("EVIDENCE_KEY_FILE")
    # The SECRET_KEY of the release before evidence keys, if SECRET_KEY has been replaced since:
    # rows and audit entries written then verify with a key derived from it (CHANGELOG 0.2.0).
    EVIDENCE_LEGACY_SECRET_KEY = os.environ.get("EVIDENCE_LEGACY_SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Prefix of the rate-limit keys, for a Redis shared with other applications (or test runs).
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    # Which X-Forwarded-* headers to believe: a number of proxy hops, or networks (comma
    # separated); empty: none (see app/deployment.py and README "Deploying behind a proxy").
    TRUSTED_PROXIES = os.environ.get("TRUSTED_PROXIES", "")
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hashing method, not a password
    # How long a worker keeps the small global tables (settings, module placements, the current
    # policy version, assignments) before reading them again; its own changes drop them at once
    # (app/core/process_cache.py). Another worker's change shows within this many seconds.
    CHARTE_CACHE_SECONDS = 2.0
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
    # Every link mailed, shown to HR or printed (reset, invitation, verification QR) starts with
    # it; never taken from the request. Required in production; elsewhere see _finish_config.
    CHARTE_BASE_URL = os.environ.get("CHARTE_BASE_URL")
    # The Ed25519 key set signing receipts, certificates and witness lines (required in
    # production; generated into the instance folder otherwise). See app/evidence/signing_keys.py.
    CHARTE_SIGNING_KEY_FILE = os.environ.get("CHARTE_SIGNING_KEY_FILE")
    # Where the signed audit-chain heads go: a file path (default instance/audit-witness.jsonl)
    # or syslog:HOST:PORT / syslog:/dev/log. See app/evidence/witness.py.
    CHARTE_AUDIT_WITNESS = os.environ.get("CHARTE_AUDIT_WITNESS")
    INVITATION_MAX_AGE_SECONDS = int(os.environ.get("INVITATION_MAX_AGE_SECONDS", 7 * 24 * 3600))
    PASSWORD_RESET_MAX_AGE_SECONDS = int(os.environ.get("PASSWORD_RESET_MAX_AGE_SECONDS", 3600))
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", 5 * 1024 * 1024))
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    # Scans of paper forms recorded by HR (PDF, PNG, JPEG).
    ATTACHMENT_MAX_BYTES = int(os.environ.get("ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))
    # Photos and videos of the asset register (empty: the "media" folder of the instance folder).
    MEDIA_DIR = os.environ.get("MEDIA_DIR", "")

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
    # Webhook endpoints must be https:// to public addresses; tests receive on http://127.0.0.1
    # when this is on (production refuses to start with it: app/integrations/__init__.py).
    WEBHOOKS_ALLOW_HTTP_LOOPBACK = _bool("WEBHOOKS_ALLOW_HTTP_LOOPBACK")

    CONTENT_DIR = os.environ.get("CONTENT_DIR", str(PROJECT_ROOT / "content"))
    QUIZZES_DIR = os.environ.get("QUIZZES_DIR", str(PROJECT_ROOT / "quizzes"))
    # How often a process looks at the content files for edits. Looking stats every file, too
    # costly to do on each call (an HR export asks for the catalog once per person).
    CONTENT_RELOAD_SECONDS = float(os.environ.get("CONTENT_RELOAD_SECONDS", "2"))
    # The HR dashboard's figures are reused for this long (stamped with their time; "Refresh"
    # recomputes them): at 50,000 people they take most of a second to compute.
    HR_DASHBOARD_MAX_AGE_SECONDS = float(os.environ.get("HR_DASHBOARD_MAX_AGE_SECONDS", "60"))

    # /metrics is refused without this bearer token or an address in METRICS_ALLOWED_IPS.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")
    METRICS_ALLOWED_IPS = os.environ.get("METRICS_ALLOWED_IPS", "")

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
    CHARTE_BASE_URL = "http://localhost"  # the test client's host, fixed whatever Host is sent
    EVIDENCE_KEYS = {"t1": "test-evidence-key-not-for-production-0001"}
    # Cached small tables (app/core/process_cache.py) expire only after a minute in tests: a
    # change must show because its commit drops them, not because a slow test outlived the TTL.
    CHARTE_CACHE_SECONDS = 60
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
