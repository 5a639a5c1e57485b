"""Escalations of overdue items: who was told, at which stage (append-only)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


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
