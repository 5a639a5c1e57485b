"""Abandoned step-ups forget the name typed in them; a retention purge deletes the person's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import audit
from app.core.client import ClientInfo
from app.extensions import db
from app.models.audit import AuditEvent
from app.models.step_up import StepUp
from app.models.types import utcnow
from app.people import accounts, step_up


def _pending(user, *, typed_name: str, started_ago: timedelta = timedelta(0)) -> StepUp:
    """A step-up someone started (SSO method: nothing is mailed) and never finished."""
    step, _state = step_up.begin(
        user,
        purpose="policy.sign",
        payload={"version": 1, "locale": "en", "typed_name": typed_name},
        method=step_up.SSO_STEP_UP,
        return_path=lambda step_id: f"/policy/sign/step-up/{step_id}",
        client=ClientInfo.system(),
        now=utcnow() - started_ago,
    )
    return step


def _payload(step: StepUp) -> dict:
    db.session.expire_all()
    return json.loads(db.session.get(StepUp, step.id).payload)


def test_starting_a_step_up_blanks_everyones_abandoned_ones(app, employee, other_employee):
    abandoned = _pending(employee, typed_name="Alice Abandoned", started_ago=timedelta(hours=1))
    assert _payload(abandoned)["typed_name"] == "Alice Abandoned"
    recent = _pending(employee, typed_name="Alice Recent", started_ago=timedelta(minutes=2))
    _pending(other_employee, typed_name="Bob Now")  # someone else's step-up starts
    assert _payload(abandoned) == {}
    assert _payload(recent)["typed_name"] == "Alice Recent"  # still in its 10 minutes: kept
    row = db.session.get(StepUp, abandoned.id)
    assert row.method == step_up.SSO_STEP_UP and row.expires_at is not None  # the row stays


def test_prune_command_blanks_only_expired_step_ups(app, employee):
    abandoned = _pending(employee, typed_name="Alice Abandoned", started_ago=timedelta(hours=1))
    current = _pending(employee, typed_name="Alice Current")
    # The name put back, as if nobody had started a step-up since this one expired.
    db.session.get(StepUp, abandoned.id).payload = json.dumps({"typed_name": "Alice Abandoned"})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "prune-step-ups"])
    assert result.exit_code == 0, result.output
    assert "Blanked 1 expired step-up(s)." in result.output
    assert _payload(abandoned) == {}
    assert _payload(current)["typed_name"] == "Alice Current"
    again = app.test_cli_runner().invoke(args=["users", "prune-step-ups"])
    assert "Blanked 0 expired step-up(s)." in again.output


@pytest.fixture
def left(employee, hr):
    accounts.set_active(employee, False, actor=hr, client=ClientInfo.system())
    db.session.refresh(employee)
    return employee


def test_retention_purge_deletes_the_persons_step_ups_and_says_so(app, left, other_employee):
    _pending(left, typed_name="Alice Left", started_ago=timedelta(days=1))
    # The name in the last one stays until the purge (same run, nothing else blanks it first).
    mine = _pending(left, typed_name="Alice Left")
    db.session.get(StepUp, mine.id).expires_at = utcnow() + timedelta(days=3650)
    others = _pending(other_employee, typed_name="Bob Stays")
    db.session.commit()
    today = (left.deactivated_at + timedelta(days=365 * 6 + 2)).date().isoformat()
    result = app.test_cli_runner().invoke(args=["retention", "apply", "--today", today])
    assert result.exit_code == 0, result.output
    assert "1 person(s) pseudonymised" in result.output
    db.session.expire_all()
    assert db.session.scalars(select(StepUp).where(StepUp.user_id == left.id)).all() == []
    assert _payload(others)["typed_name"] == "Bob Stays"
    entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert json.loads(entry.details)["counts"]["step_up"] == 2
    report = audit.verify_all()
    assert report.ok, report.problems


def test_retention_run_blanks_abandoned_step_ups_of_people_still_here(app, employee):
    abandoned = _pending(employee, typed_name="Alice Abandoned", started_ago=timedelta(hours=1))
    db.session.get(StepUp, abandoned.id).payload = json.dumps({"typed_name": "Alice Abandoned"})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    assert _payload(abandoned) == {}
