"""The small demo shows people at every stage, a policy in force from its publication, and the
address it is served on (issue 20)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import to_user_timezone
from sqlalchemy import select

from app.assignments import due
from app.consent import decisions
from app.demo import seed
from app.extensions import db
from app.hr_reports import dashboard
from app.learn import progress
from app.models.types import utcnow
from app.models.user import User
from app.policy import versions


def _person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_demo_people_are_at_different_stages(app):
    assert seed.load_demo() == len(seed.DEMO_PEOPLE)
    today = utcnow().date()
    figures = dashboard.dashboard(today)
    assert figures.people == len(seed.DEMO_PEOPLE)
    assert figures.overdue == 1  # Karim only, not everyone
    assert figures.due_soon == 1  # Tom
    assert figures.signed_current == 4
    assert figures.signatures, "the signatures chart has something to draw"

    lea = _person("lea.martin@example.com")
    status = due.summaries([lea], today, progress.programme_status([lea]))[lea.id]
    assert status.next_due == today + timedelta(days=10)

    sophie, chloe = _person("sophie.nguyen@example.com"), _person("chloe.dubois@example.com")
    assert progress.programme_status([sophie])[sophie.id].done
    states = decisions.states_for([sophie.id, chloe.id], today)
    assert {s.status for (uid, _p, _m), s in states.items() if uid == sophie.id} == {"granted"}
    assert "revoked" in {s.status for (uid, _p, _m), s in states.items() if uid == chloe.id}

    # Running it again changes nothing.
    assert seed.load_demo() == 0
    assert dashboard.dashboard(today).signed_current == 4


def test_the_current_version_is_in_force_from_its_publication(app):
    seed.load_demo()
    current = versions.current_version()
    published = to_user_timezone(current.published_at).date()
    assert current.effective_date is not None and current.effective_date >= published


def test_flask_demo_prints_the_address_it_is_served_on(app, monkeypatch):
    app.config["CHARTE_BASE_URL"] = "http://127.0.0.1:8123"
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Sign in at http://127.0.0.1:8123 with" in result.output
    assert "5000" not in result.output
