"""Reminders sent to employees about what they have overdue or due soon (append-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
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
