"""Nudges: reminders sent to employees about what they have overdue or due soon and escalations
of overdue items to managers and HR (both append-only), and the in-app notifications shown by
the bell (operational state)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, UniqueConstraint, func, select
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


class ReminderSent(db.Model):
    """One reminder to one person; (user, claim) is unique so concurrent senders cannot both send.

    `claim` is the day the reminder was sent (ISO date): a second sender on the same day fails
    to insert its row and skips the person; later days are guarded by the interval re-check.
    """

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("user_id", "claim"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    claim: Mapped[str] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # [{"key", "due_on", "overdue"}] as listed in the message.
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the command
    channel: Mapped[str] = mapped_column(String(20), default="email")


class EscalationNotice(db.Model):  # type: ignore[name-defined]  # as every model: mypy-baseline.txt
    """One overdue item escalated at one stage; (user, item, due date, stage) is unique, so a rerun
    of the job, or two hosts running it at once, never tell anyone twice."""

    __tablename__ = "escalation_notice"
    __table_args__ = (UniqueConstraint("user_id", "item_key", "due_on", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    item_key: Mapped[str] = mapped_column(String(120))
    due_on: Mapped[date] = mapped_column(Date)
    stage: Mapped[str] = mapped_column(String(20))  # "manager" or "hr"
    days_overdue: Mapped[int] = mapped_column(default=0)
    # The manager told (stage "manager"); None for HR, who see every escalation.
    notified_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Notification(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy's dynamic base
    """One notice to one person. Operational state, not evidence: `read_at` is set in place.

    `key` names what the notice is about (e.g. "due:module:x:2026-12-01"); (user, key) is unique so
    a job that runs on several hosts, or twice a day, never notifies the same thing twice. The
    text is written when shown, from `kind` and `params`, in the reader's language.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    endpoint: Mapped[str | None] = mapped_column(String(80))
    endpoint_args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# The bell's count of unread notices, read in the same statement as the sign-in check of every
# request (app.people.sessions) instead of one more query per page, and kept for the request in
# its WSGI environ under this key (app.notifications.service reads it; None: count again).
UNREAD_NOTICES_KEY = "charte.unread_notifications"


def unread_notices_of(user_id: Any) -> Any:
    """A scalar subquery: how many notices of this person (a column or a value) are unread."""
    return (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )


# Whether the person ever received a reminder, read in the same statement as the sign-in check
# (app.people.sessions) and kept for the request in its WSGI environ as (user id, answer): the
# home page lists someone's latest reminders, and most people have none to list.
REMINDERS_RECEIVED_KEY = "charte.reminders_received"


def reminders_received_by(user_id: Any) -> Any:
    """A boolean subquery: has this person (a column or a value) received any reminder?"""
    return select(ReminderSent.id).where(ReminderSent.user_id == user_id).exists()
