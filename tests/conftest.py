"""Shared fixtures: a migrated database per run (SQLite or PostgreSQL), the app, users, sign-in."""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import settings as hypothesis_settings
from sqlalchemy import event, inspect, text

from app import create_app
from app.core.client import ClientInfo
from app.extensions import db
from app.models.user import Role, User
from app.people import accounts
from tests.network import no_real_dns, resolver  # noqa: F401  (autouse: the network rule)

# Tests never assert on wall-clock time: Hypothesis's per-example deadline would fail a correct
# property on a busy machine.
hypothesis_settings.register_profile("charte", deadline=None)
hypothesis_settings.load_profile("charte")

PASSWORD = "correct horse battery"
BACKEND = os.environ.get("CHARTE_TEST_DB", "sqlite")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, leave out the tests that never touch a database.

    `make test` runs the suite on SQLite, then on PostgreSQL. A test without a database (content
    rules, PDF layout, configuration parsing, static analysis) gives the same answer on both, so
    it runs once, on the SQLite pass. A module that reads BACKEND decides per backend itself and
    always runs. A test marked `backend_independent` uses a database only as a fixture (the
    crawl of every page for accessibility and HTML) and runs once too.
    """
    if BACKEND != "postgresql":
        return
    kept, left_out = [], []
    for item in items:
        uses_database = "database_url" in getattr(item, "fixturenames", ())
        backend_aware = getattr(getattr(item, "module", None), "BACKEND", None) is not None
        independent = item.get_closest_marker("backend_independent") is not None
        (kept if (uses_database or backend_aware) and not independent else left_out).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


def _admin_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _app_for(url: str, **extra) -> Flask:
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "CHARTE_DEFAULT_LOCALE": "en",
        **extra,
    }
    return create_app(config=config, env="test")


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> Iterator[str]:
    """A database migrated once per run with `flask db upgrade` (so the migrations are tested)."""
    if BACKEND == "postgresql":
        name = f"charte_test_{uuid.uuid4().hex[:12]}"
        admin = _admin_url()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            # A throwaway database: commits need not wait for the disk (every test commits).
            conn.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        url = admin.rsplit("/", 1)[0] + "/" + name
        app = _app_for(url)
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield url
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        app = _app_for(f"sqlite:///{path}")
        with app.app_context():
            upgrade()
            db.engine.dispose()
        yield str(path)


@pytest.fixture
def database_url(database_template, tmp_path) -> str:
    """A clean, migrated database for one test."""
    if BACKEND == "postgresql":
        return database_template
    target = tmp_path / "charte.db"
    shutil.copyfile(database_template, target)
    return f"sqlite:///{target}"


_TABLES: dict[str, list[str]] = {}  # database url -> its tables (the schema is the template's)


def _truncate_all() -> None:
    """Empty every table and restart every sequence, as TRUNCATE ... RESTART IDENTITY would.

    TRUNCATE of all ~70 tables replaces every table's and index's files and cost about a second
    per test; most tests fill a handful of tables, so only the tables that hold rows are emptied
    (one probe query finds them), with DELETE, then the sequences are restarted in one query.
    """
    url = str(db.engine.url)
    if url not in _TABLES:
        _TABLES[url] = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    tables = _TABLES[url]
    if not tables:
        return
    exists = "SELECT '{0}' WHERE EXISTS (SELECT 1 FROM \"{0}\")"  # reflected names only
    probe = " UNION ALL ".join(exists.format(table) for table in tables)
    filled = list(db.session.scalars(text(probe)))
    # Evidence tables refuse DELETE and TRUNCATE (triggers); the test reset runs as the superuser
    # in replica mode, which skips ordinary triggers, foreign keys included (the app role cannot).
    db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for table in filled:
        db.session.execute(text(f'DELETE FROM "{table}"'))  # noqa: S608 - reflected names
    db.session.execute(
        text(
            "SELECT setval(c.oid, s.seqstart, false) FROM pg_class c "
            "JOIN pg_sequence s ON s.seqrelid = c.oid WHERE c.relkind = 'S'"
        )
    )
    db.session.commit()


@pytest.fixture
def app_config() -> dict:
    """Per-test configuration overrides (override this fixture in a test module)."""
    return {}


@pytest.fixture
def app(database_url, app_config, tmp_path) -> Iterator[Flask]:
    """The application bound to this test's database."""
    application = _app_for(database_url, **app_config)
    application.instance_path = str(tmp_path / "instance")
    with application.app_context():
        if BACKEND == "postgresql":
            _truncate_all()
        yield application
        db.session.remove()
        db.engine.dispose()


def make_user(
    email: str,
    name: str,
    role: Role = Role.EMPLOYEE,
    department: str = "Marketing",
    locale: str = "en",
    password: str | None = PASSWORD,
) -> User:
    """Create an account through the service, as HR or the CLI would."""
    user = accounts.create_user(
        accounts.NewUser(
            email=email,
            full_name=name,
            role=role,
            department=department,
            job_title="Tester",
            start_date=date(2026, 9, 1),
            locale=locale,
        ),
        actor=None,
        client=ClientInfo.system(),
    )
    if password:
        accounts.set_password(user, password, password, via="test", client=ClientInfo.system())
    return user


@pytest.fixture
def employee(app) -> User:
    return make_user("employee@example.com", "Élodie Employée")


@pytest.fixture
def other_employee(app) -> User:
    return make_user("other@example.com", "Olivier Autre", department="Ventes")


@pytest.fixture
def hr(app) -> User:
    return make_user("hr@example.com", "Hugo Humain", role=Role.HR, department="RH")


@pytest.fixture
def admin(app) -> User:
    return make_user("admin@example.com", "Ada Admin", role=Role.ADMIN, department="Direction")


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """Read a CSRF token from a page, as a browser would."""
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Auth:
    """Sign in and out through the real forms."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow: bool = False):
        token = csrf_token(self.client, "/login")
        return self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=follow,
        )

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


def post_form(client: FlaskClient, url: str, data: dict | None = None, page: str = "/", **kwargs):
    """POST like a browser: with the CSRF token read from a page of the same session."""
    payload = {"csrf_token": csrf_token(client, page), **(data or {})}
    return client.post(url, data=payload, **kwargs)


class QueryCounter:
    """Counts the SQL statements sent while active."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append(statement)


@pytest.fixture
def count_queries(app):
    """Usage: `with count_queries() as counter: ...; assert counter.count <= N`."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


FIXTURES_DIR = Path(__file__).parent / "fixtures"


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free loopback port; `.messages` holds what it received."""
    from tests.smtp import SMTPServer

    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def oidc_provider():
    """A real OpenID provider on a free loopback port (see tests/oidc_provider.py)."""
    from tests.oidc_provider import OIDCProvider

    provider = OIDCProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def purposes(app):
    """The consent purposes and texts shipped in content/consent, imported as an admin would."""
    from app.consent import texts
    from app.core.client import ClientInfo

    texts.sync_from_files(actor=None, client=ClientInfo.system())


@pytest.fixture
def no_signing_prerequisites(app):
    """Signing tests about the evidence itself: the programme gate is tested on its own."""
    from app.core import hooks

    with hooks.signing_prerequisites.override(app, []):
        yield
