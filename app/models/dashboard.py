"""The HR dashboard's latest figures, shared by every worker (a cache, not evidence)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.types import UTCDateTime


class DashboardSnapshot(db.Model):
    """The figures computed for one day, and who is recomputing them.

    Rows are replaced freely: everything here can be computed again from the records.
    """

    __tablename__ = "dashboard_snapshot"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    figures: Mapped[str] = mapped_column(Text)  # JSON, see services.dashboard_snapshots
    # Set while one worker recomputes in the background, so that the others don't.
    refresh_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
