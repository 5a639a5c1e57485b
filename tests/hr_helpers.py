"""Helpers for the HR tests: a generated organisation, people with chosen start dates, CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from app.demo import bulk, seed
from app.extensions import db
from app.models.types import utcnow
from app.models.user import User
from tests.conftest import make_user

HR_EMAIL = "rh@example.com"


def organisation(employees: int) -> None:
    """The demo accounts (policy v1, consent purposes) plus generated employees with history."""
    seed.load_demo()
    bulk.generate(employees, seed=11)


def login_hr(auth) -> None:
    """Sign in as the demo HR manager."""
    response = auth.login(HR_EMAIL, seed.DEMO_PASSWORD)
    assert response.status_code == 302


def person(email: str, name: str, *, department: str, started_days_ago: int) -> User:
    """An employee whose start date is relative to today (deadlines are computed from it)."""
    user = make_user(email, name, department=department)
    user.start_date = utcnow().date() - timedelta(days=started_days_ago)
    db.session.commit()
    return user


def today() -> date:
    return utcnow().date()


def rows(body: str) -> list[list[str]]:
    """Parse CSV text (a BOM, if any, removed first)."""
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
