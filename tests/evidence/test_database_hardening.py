"""PostgreSQL refuses what the row triggers used to let through, for someone with a connection:

- TRUNCATE of any evidence table (row triggers do not fire on TRUNCATE);
- `SET LOCAL charte.retention = 'on'` without the purge's own row in the same transaction;
- inside a purge transaction: anything but blanking that person's personal columns;
- the app's own role (migrations/app_role.sql) cannot disable triggers, truncate, drop or
  switch to replica mode, and the app still works under it (sign, consent, purge, verify).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.core import audit, hooks
from app.core.client import ClientInfo
from app.extensions import db
from app.models.user import User
from app.people import accounts
from tests.conftest import BACKEND, _app_for, make_user
from tests.privacy_helpers import with_records

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="triggers and roles: PostgreSQL")

APP_ROLE_SQL = Path(__file__).resolve().parents[2] / "migrations" / "app_role.sql"
EVIDENCE_TABLES = (
    "audit_event",
    "module_completion",
    "quiz_snapshot",
    "quiz_attempt",
    "policy_version",
    "policy_text",
    "acknowledgement",
    "consent_text",
    "consent_event",
    "publication_check",
    "publication_check_person",
    "publication_review",
    "reminder_sent",
    "certificate",
    "certificate_revocation",
    "evidence_attachment",
    "retention_purge",
    "asset_tag",
    "asset_publication",
    "asset_takedown",
    "published_content_file",
)


@pytest.fixture
def records(app, employee, other_employee, hr, no_signing_prerequisites):
    with_records(employee)
    with_records(other_employee)
    accounts.set_active(employee, False, actor=hr, client=ClientInfo.system())
    return employee.id, other_employee.id


def _refused(sql: str, match: str = "append-only", **params) -> None:
    with pytest.raises(DBAPIError, match=match):
        db.session.execute(text(sql), params)
    db.session.rollback()


def test_every_table_with_a_row_trigger_also_refuses_truncate(app):
    triggers = db.session.execute(
        text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal"
        )
    ).all()
    guarded = {table for table, name in triggers if name.endswith("_no_truncate")}
    with_row_trigger = {
        table for table, name in triggers if name.endswith(("_append_only", "_kept"))
    }
    assert guarded == set(EVIDENCE_TABLES)
    assert with_row_trigger <= guarded, with_row_trigger - guarded


@pytest.mark.parametrize("table", EVIDENCE_TABLES)
def test_truncate_is_refused_on_every_evidence_table(records, table):
    count = f'SELECT count(*) FROM "{table}"'  # noqa: S608 - the fixed evidence tables
    before = db.session.scalar(text(count))
    # Plain TRUNCATE: the table's own trigger, or first the foreign keys that point at it.
    _refused(
        f'TRUNCATE "{table}"',
        match=f"TRUNCATE on {table} is refused|cannot truncate a table referenced",
    )
    # With CASCADE the foreign keys no longer stop it: the triggers do.
    _refused(f'TRUNCATE "{table}" RESTART IDENTITY CASCADE', match=r"TRUNCATE on \w+ is refused")
    assert db.session.scalar(text(count)) == before


def test_truncate_cascading_from_the_user_table_is_refused(records):
    _refused('TRUNCATE "user" CASCADE', match="TRUNCATE on")
    assert db.session.scalar(text("SELECT count(*) FROM acknowledgement")) == 2


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE acknowledgement SET typed_name = '', ip = NULL, user_agent = NULL",
        "UPDATE consent_event SET ip = NULL, user_agent = NULL",
        "UPDATE audit_event SET ip = NULL, user_agent = NULL",
        "UPDATE certificate SET holder_name = 'former-x'",
    ],
)
def test_set_local_retention_alone_changes_nothing(records, sql):
    db.session.execute(text("SET LOCAL charte.retention = 'on'"))
    if "certificate" in sql:
        db.session.execute(
            text(
                "INSERT INTO certificate (kind, user_id, issue_key, content_version, title_fr, "
                "title_en, holder_name, issued_at, code) VALUES ('module', :u, 'k', 'v', 't', 't', "
                "'Real Name', now(), 'CODE1')"
            ),
            {"u": records[0]},
        )
    _refused(sql)


def _fake_purge(user_id: int) -> None:
    db.session.execute(
        text(
            "INSERT INTO retention_purge (user_id, purged_at, pseudonym, retention_years, "
            "acknowledgements, consent_events, audit_events) "
            "VALUES (:u, now(), 'former-0000000000', 5, 0, 0, 0)"
        ),
        {"u": user_id},
    )


def test_a_purge_row_from_an_earlier_transaction_opens_nothing(records):
    departed, _colleague = records
    _fake_purge(departed)
    db.session.commit()
    db.session.execute(text("SET LOCAL charte.retention = 'on'"))
    _refused(
        "UPDATE acknowledgement SET typed_name = '', ip = NULL, user_agent = NULL "
        "WHERE user_id = :u",
        u=departed,
    )


def test_inside_a_purge_transaction_only_that_persons_personal_columns_may_be_blanked(records):
    departed, colleague = records

    def purge_transaction() -> None:
        _fake_purge(departed)
        db.session.execute(text("SET LOCAL charte.retention = 'on'"))

    purge_transaction()
    db.session.execute(
        text(
            "UPDATE acknowledgement SET typed_name = '', ip = NULL, user_agent = NULL "
            "WHERE user_id = :u"
        ),
        {"u": departed},
    )  # allowed: the purge's own transaction, that person, personal columns, blanked
    db.session.rollback()
    refused = [
        ("UPDATE acknowledgement SET typed_name = 'Forged' WHERE user_id = :u", departed),
        ("UPDATE acknowledgement SET typed_name = '' WHERE user_id = :u", colleague),
        ("UPDATE acknowledgement SET statement = 'x' WHERE user_id = :u", departed),
        ("DELETE FROM consent_event WHERE user_id = :u", departed),
        ("UPDATE acknowledgement SET mac = 'x', ip = NULL WHERE user_id = :u", departed),
        ("UPDATE audit_event SET ip = NULL, user_agent = NULL WHERE :u > 0", departed),
    ]
    for sql, person in refused:
        purge_transaction()
        _refused(sql, "may only blank" if "Forged" in sql else "append-only", u=person)


@pytest.fixture
def app_role(app):
    """A fresh role set up with migrations/app_role.sql (roles are per cluster: dropped after)."""
    role = f"charte_app_{uuid.uuid4().hex[:10]}"
    owner_url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    admin_dsn = owner_url.set(drivername="postgresql").render_as_string(hide_password=False)
    grants = APP_ROLE_SQL.read_text(encoding="utf-8").replace("charte_app", role)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{role}" LOGIN')
        conn.execute(grants)
    yield role, owner_url.set(username=role).render_as_string(hide_password=False)
    db.session.remove()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (role,)
        )
        conn.execute(f'DROP OWNED BY "{role}"')
        conn.execute(f'DROP ROLE "{role}"')


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("ALTER TABLE acknowledgement DISABLE TRIGGER ALL", "must be owner"),
        (
            "ALTER TABLE acknowledgement DISABLE TRIGGER acknowledgement_append_only",
            "must be owner",
        ),
        ("DROP TRIGGER audit_event_append_only ON audit_event", "must be owner"),
        ("TRUNCATE certificate_revocation", "permission denied"),
        ("SET session_replication_role = replica", "permission denied"),
        ("DELETE FROM consent_event", "permission denied"),
        ("UPDATE acknowledgement SET statement = 'x'", "permission denied"),
        ("UPDATE acknowledgement SET ip = NULL", "append-only"),
        ("CREATE TABLE sneaky (id int)", "permission denied"),
        ("UPDATE alembic_version SET version_num = 'x'", "permission denied"),
    ],
)
def test_the_app_role_cannot_get_around_the_triggers(records, app_role, sql, match):
    _role, url = app_role
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        with pytest.raises(psycopg.Error, match=match):
            conn.execute(sql)
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM acknowledgement").fetchone()[0] == 2


def test_the_app_works_under_its_role(app, records, app_role):
    departed, _colleague = records
    _role, url = app_role
    role_app = _app_for(url)
    role_app.instance_path = app.instance_path
    with role_app.app_context(), hooks.signing_prerequisites.override(role_app, []):
        # Writes as the app role: an account, a signature, consents, then a purge and a check.
        newcomer = make_user("newcomer@example.com", "Nina Nouvelle")
        with_records(newcomer)
        result = role_app.test_cli_runner().invoke(
            args=["retention", "apply", "--today", "2099-01-01"]
        )
        assert result.exit_code == 0 and "1 person(s) pseudonymised" in result.output, result.output
        report = audit.verify_all()
        assert report.ok, report.problems
        db.session.remove()
        db.engine.dispose()
    assert db.session.scalar(select(User.full_name).where(User.id == departed)).startswith(
        "former-"
    )
