"""Escalation: manager after N days overdue, HR after M, never twice, on the timeline."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.assignments import escalation
from app.core import settings
from app.core.client import ClientInfo
from app.extensions import db
from app.hr_reports import timeline
from app.models.audit import AuditEvent
from app.models.reminder import EscalationNotice
from app.people import managers
from tests.conftest import make_user

DUE = date(2026, 9, 15)  # start 2026-09-01 + 14 days (the default programme delay)


def _late_person_with_manager():
    boss = make_user("boss@example.com", "Bea Boss")
    late = make_user("late@example.com", "Luc Late")
    managers.set_manager(late, boss, actor=None, client=ClientInfo.system())
    return boss, late


def _count(stage: str) -> int:
    return db.session.scalar(
        select(func.count(EscalationNotice.id)).where(EscalationNotice.stage == stage)
    )


def test_manager_then_hr_each_once_with_an_injected_clock(app):
    boss, late = _late_person_with_manager()
    # Day 6 overdue: nothing yet (the manager is told from day 7).
    assert escalation.run(DUE + timedelta(days=6)).manager == 0
    first = escalation.run(DUE + timedelta(days=7))
    assert first.manager >= 1 and first.hr == 0
    notice = db.session.scalar(select(EscalationNotice))
    assert notice.notified_user_id == boss.id and notice.user_id == late.id
    # Running again the same day, or the next, tells nobody again.
    assert escalation.run(DUE + timedelta(days=7)).manager == 0
    assert escalation.run(DUE + timedelta(days=8)).manager == 0
    later = escalation.run(DUE + timedelta(days=21))
    assert later.hr >= 1 and later.manager == 0
    assert escalation.run(DUE + timedelta(days=30)).hr == 0
    managers_told, hr_told = _count("manager"), _count("hr")
    assert managers_told == first.manager and hr_told == later.hr
    audited = db.session.scalar(
        select(func.count(AuditEvent.seq)).where(AuditEvent.action == "escalation.notified")
    )
    assert audited == managers_told + hr_told
    kinds = [e.kind for e in timeline.timeline(late, "en")]
    own = db.session.scalar(
        select(func.count(EscalationNotice.id)).where(EscalationNotice.user_id == late.id)
    )
    assert own >= 2 and kinds.count("escalation") == own


def test_without_a_manager_only_hr_and_zero_turns_a_stage_off(app, admin):
    make_user("alone@example.com", "Ana Alone")
    assert escalation.run(DUE + timedelta(days=10)).manager == 0
    settings.update({escalation.HR_DAYS.key: 0}, actor=admin, client=ClientInfo.system())
    assert escalation.run(DUE + timedelta(days=40)).hr == 0
    settings.update({escalation.HR_DAYS.key: 30}, actor=admin, client=ClientInfo.system())
    assert escalation.run(DUE + timedelta(days=40)).hr >= 1
