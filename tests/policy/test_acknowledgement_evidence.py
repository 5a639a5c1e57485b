"""`flask audit verify` checks every acknowledgement; tampering of any kind is detected."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from app.core.client import ClientInfo
from app.extensions import db
from app.models.acknowledgement import Acknowledgement
from app.policy import signing
from tests.conftest import BACKEND, PASSWORD, make_user
from tests.policy_helpers import publish

pytestmark = pytest.mark.usefixtures("no_signing_prerequisites")


def _tamper(sql: str, **params) -> None:
    """Change rows behind the application's back, as an attacker with database access would."""
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = replica"))  # bypass triggers
    db.session.execute(text(sql), params)
    db.session.commit()
    if BACKEND == "postgresql":
        db.session.execute(text("SET session_replication_role = DEFAULT"))


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


@pytest.fixture
def signed(app, employee, other_employee):
    """Three signatures: two people on v1, one on v2."""
    publish(1)
    client = ClientInfo(ip="10.0.0.7", user_agent="pytest-browser")
    for user in (employee, other_employee):
        signing.sign(
            user,
            version_number=1,
            locale="en",
            typed_name=user.full_name,
            password=PASSWORD,
            client=client,
        )
    publish(2)
    signing.sign(
        employee,
        version_number=2,
        locale="fr",
        typed_name=employee.full_name,
        password=PASSWORD,
        client=client,
    )
    return [a.id for a in db.session.scalars(select(Acknowledgement).order_by(Acknowledgement.id))]


def test_clean_database_verifies_with_counts(app, signed):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "OK" in result.output
    assert "3 acknowledgements" in result.output and "4 policy texts" in result.output


def test_empty_database_verifies(app):
    result = _verify(app)
    assert result.exit_code == 0, result.output
    assert "0 acknowledgements" in result.output


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("typed_name", "Mallory"),
        ("signed_at", "2020-01-01 00:00:00"),
        ("text_sha256", "0" * 64),
        ("ip", "6.6.6.6"),
        ("statement", "I agree to nothing."),
    ],
)
def test_updated_field_is_detected(app, signed, column, value):
    sql = f"UPDATE acknowledgement SET {column} = :v WHERE id = :id"  # noqa: S608 - fixed names
    _tamper(sql, v=value, id=signed[1])
    result = _verify(app)
    assert result.exit_code == 1
    assert f"acknowledgement id={signed[1]}" in result.output
    assert "altered" in result.output


def test_deleted_row_is_detected(app, signed):
    _tamper("DELETE FROM acknowledgement WHERE id = :id", id=signed[0])
    result = _verify(app)
    assert result.exit_code == 1
    assert f"acknowledgement id={signed[0]}" in result.output and "deleted" in result.output


def test_inserted_row_is_detected(app, signed, hr):
    row = db.session.get(Acknowledgement, signed[0])
    _tamper(
        "INSERT INTO acknowledgement (id, user_id, policy_version_id, locale, text_sha256, "
        "statement, typed_name, signed_at, ip, user_agent, auth_method, code, mac) VALUES "
        "(99, :user, :version, 'en', :sha, :statement, 'Hugo Humain', :ts, NULL, NULL, "
        "'password', 'ZZZZZZZZZZZZZZZZZZZZ', :mac)",
        user=hr.id,
        version=row.policy_version_id,
        sha=row.text_sha256,
        statement=row.statement,
        ts=row.signed_at,
        mac="a" * 64,
    )
    result = _verify(app)
    assert result.exit_code == 1 and "acknowledgement id=99" in result.output


def test_row_moved_under_another_id_is_detected(app, signed):
    # Its MAC is still valid, but no audit entry records a signature under that id.
    _tamper("UPDATE acknowledgement SET id = 77 WHERE id = :id", id=signed[2])
    result = _verify(app)
    assert result.exit_code == 1
    assert "acknowledgement id=77" in result.output
    assert f"acknowledgement id={signed[2]} recorded by audit entry" in result.output


def test_reordered_rows_are_detected(app, signed):
    first, second = signed[0], signed[1]
    _tamper("UPDATE acknowledgement SET id = id + 1000 WHERE id IN (:a, :b)", a=first, b=second)
    _tamper("UPDATE acknowledgement SET id = :a WHERE id = :b", a=first, b=second + 1000)
    _tamper("UPDATE acknowledgement SET id = :b WHERE id = :a", a=first + 1000, b=second)
    result = _verify(app)
    assert result.exit_code == 1
    assert f"acknowledgement id={first}" in result.output and "reordered" in result.output


def test_altered_policy_text_is_detected(app, signed):
    _tamper("UPDATE policy_text SET html = html || '<p>Added later.</p>' WHERE locale = 'en'")
    result = _verify(app)
    assert result.exit_code == 1 and "policy text id=" in result.output


@pytest.mark.skipif(BACKEND != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE acknowledgement SET typed_name = 'x'",
        "DELETE FROM acknowledgement",
        "UPDATE policy_text SET html = 'x'",
        "DELETE FROM policy_text",
        "UPDATE policy_version SET version = 9",
    ],
)
def test_postgresql_trigger_refuses_update_and_delete(app, signed, sql):
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(sql))
        db.session.flush()
    db.session.rollback()
    assert _verify(app).exit_code == 0


def test_deactivating_a_signer_keeps_the_evidence(app, signed, employee, admin):
    from app.people import accounts

    accounts.set_active(employee, False, actor=admin, client=ClientInfo.system())
    assert _verify(app).exit_code == 0
    assert db.session.scalar(select(db.func.count()).select_from(Acknowledgement)) == 3


def test_many_signers_verify(app):
    publish(1)
    for n in range(5):
        user = make_user(f"p{n}@example.com", f"Person {n}")
        signing.sign(
            user,
            version_number=1,
            locale="en",
            typed_name=f"person {n}",
            password=PASSWORD,
            client=ClientInfo(ip="10.0.0.1"),
        )
    result = _verify(app)
    assert result.exit_code == 0 and "5 acknowledgements" in result.output
