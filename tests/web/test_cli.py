"""Command-line tools: users, demo data, audit verification."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models.user import User


def test_users_create(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.com",
            "--name",
            "New Admin",
            "--role",
            "admin",
            "--password",
            "long password!",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "new@example.com"))
    assert user.role == "admin" and user.check_password("long password!")


def test_users_create_refuses_duplicates_and_short_passwords(app, employee):
    runner = app.test_cli_runner()
    dup = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            employee.email,
            "--name",
            "X",
            "--password",
            "long password!",
        ]
    )
    assert dup.exit_code != 0 and "already exists" in dup.output


def test_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert "admin@example.com" in first.output
    count = db.session.scalar(select(func.count()).select_from(User))
    second = runner.invoke(args=["demo"])
    assert "nothing changed" in second.output
    assert db.session.scalar(select(func.count()).select_from(User)) == count
