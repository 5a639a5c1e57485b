"""In-app notifications: what a person should know about, shown by the bell in the header."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime, utcnow


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
