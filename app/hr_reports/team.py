"""A manager's view of their team: direct and indirect reports, read from the areas' services.

What a manager sees is narrower than HR's view: training progress, signature state, due dates,
and whether the person's image may be published (yes/no, never the purposes or media); quiz
scores only when the administrator allows it. Anyone outside the team is "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import settings
from app.extensions import db
from app.hr_reports import people_status
from app.models.acknowledgement import Acknowledgement
from app.models.learning import ModuleCompletion, QuizAttempt
from app.models.reminder import EscalationNotice
from app.models.user import User
from app.people import managers

SEE_QUIZ_SCORES = settings.SettingSpec(
    "managers.see_quiz_scores",
    "bool",
    False,
    _l("Managers see their reports' quiz scores"),
    _l("Managers"),
    _l("Off: managers see progress, signatures and due dates, never quiz results."),
)
DIGEST_DAYS = 7


@dataclass(frozen=True)
class TeamRow:
    """One report as the manager sees them."""

    status: people_status.PersonStatus
    direct: bool
    publishable: bool  # may their image be published today (any purpose granted)?
    quiz_score: int | None  # percent of their best attempts; None unless allowed

    @property
    def user(self) -> User:
        return self.status.user


@dataclass(frozen=True)
class Digest:
    """The week in a team: who finished, who signed, who is late, what falls due next week."""

    completed: int
    signed: int
    overdue: list[TeamRow]
    due_next_week: list[TeamRow]
    escalated: int


def _scores(user_ids: list[int]) -> dict[int, int]:
    """Average of each person's submitted attempts, in percent (one grouped query)."""
    rows = db.session.execute(
        select(QuizAttempt.user_id, func.sum(QuizAttempt.score), func.sum(QuizAttempt.max_score))
        .where(QuizAttempt.user_id.in_(user_ids), QuizAttempt.score.is_not(None))
        .group_by(QuizAttempt.user_id)
    )
    return {uid: round(100 * (got or 0) / top) for uid, got, top in rows if top}


def rows(manager: User, today: date) -> list[TeamRow]:
    """Every active report, direct or not, by name."""
    ids = sorted(managers.team_ids(manager.id))
    if not ids:
        return []
    people = list(
        db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.full_name, User.id))
    )
    statuses = people_status.statuses(people, today)
    scores = _scores(ids) if settings.get(SEE_QUIZ_SCORES) else {}
    return [
        TeamRow(
            status=status,
            direct=status.user.manager_id == manager.id,
            publishable=status.consent_granted > 0,
            quiz_score=scores.get(status.user.id) if settings.get(SEE_QUIZ_SCORES) else None,
        )
        for status in statuses
    ]


def member_or_404(manager: User, person_id: int) -> User:
    """A report of this manager; anyone else (or no one) is 404, so existence is not revealed."""
    if person_id not in managers.team_ids(manager.id):
        abort(404)
    return db.get_or_404(User, person_id)


def digest(manager: User, team: list[TeamRow], today: date) -> Digest:
    """What happened in the team over the last seven days, and what is coming."""
    since = datetime.combine(today - timedelta(days=DIGEST_DAYS), time(), tzinfo=UTC)
    ids = [r.user.id for r in team]
    completed = signed = escalated = 0
    if ids:
        completed = (
            db.session.scalar(
                select(func.count(ModuleCompletion.id)).where(
                    ModuleCompletion.user_id.in_(ids), ModuleCompletion.completed_at >= since
                )
            )
            or 0
        )
        signed = (
            db.session.scalar(
                select(func.count(Acknowledgement.id)).where(
                    Acknowledgement.user_id.in_(ids), Acknowledgement.signed_at >= since
                )
            )
            or 0
        )
        escalated = (
            db.session.scalar(
                select(func.count(EscalationNotice.id)).where(
                    EscalationNotice.notified_user_id == manager.id,
                    EscalationNotice.created_at >= since,
                )
            )
            or 0
        )
    week = today + timedelta(days=DIGEST_DAYS)
    return Digest(
        completed=completed or 0,
        signed=signed or 0,
        overdue=[r for r in team if r.status.overdue],
        due_next_week=[
            r
            for r in team
            if not r.status.overdue
            and r.status.due.next_due is not None
            and r.status.due.next_due <= week
        ],
        escalated=escalated or 0,
    )
