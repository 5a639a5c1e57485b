"""The scheduler's heartbeat: one row per scheduled job and one per running worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class JobHeartbeat(db.Model):  # type: ignore[name-defined]  # Flask-SQLAlchemy's dynamic base
    """A job's last run and its lease (kind "job"), or a worker's last beat (kind "worker").

    The lease is how two workers (or a worker and `flask jobs run` from cron) never run the same
    job at once: a runner takes the row only while `lease_until` is empty or past, in one
    conditional UPDATE, which both SQLite and PostgreSQL serialise.
    """

    __tablename__ = "job_heartbeat"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="job")
    runner: Mapped[str | None] = mapped_column(String(120))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_outcome: Mapped[str | None] = mapped_column(String(20))
    last_duration_seconds: Mapped[float | None] = mapped_column(Float)
    last_detail: Mapped[str | None] = mapped_column(Text)
