"""The HR dashboard's figures, computed once for every worker and refreshed in the background.

At 50,000 people the figures take most of a second to compute (two seconds with the machine
busy), too slow to compute for each view. They are kept in `dashboard_snapshot`, shared by all
workers (and hosts): a view reads them (one small query) and shows when they were computed.
Once they are older than the maximum age, the first view to notice claims the refresh and
recomputes them in a background thread while everyone, itself included, is shown the figures
at hand; so nobody waits except the very first viewer of the day, or whoever asks "Refresh now".
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.hr_reports.dashboard import ConsentCoverage, Dashboard, DepartmentFigures, dashboard
from app.models.dashboard import DashboardSnapshot
from app.models.types import utcnow

log = logging.getLogger(__name__)

# A worker killed while refreshing leaves its claim behind; after this long another may claim.
CLAIM_TIMEOUT = timedelta(minutes=2)


def to_json(figures: Dashboard) -> str:
    return json.dumps(
        {
            "people": figures.people,
            "programme_done": figures.programme_done,
            "overdue": figures.overdue,
            "due_soon": figures.due_soon,
            "expiring": figures.expiring,
            "policy_version": figures.policy_version,
            "policy_version_label": figures.policy_version_label,
            "signed_current": figures.signed_current,
            "departments": [[d.name, d.people, d.completed] for d in figures.departments],
            "signatures": [[w.isoformat(), new, total] for w, new, total in figures.signatures],
            "consent": [[c.purpose_id, c.medium, c.counts] for c in figures.consent],
        }
    )


def from_json(text: str, computed_at: datetime) -> Dashboard:
    data = json.loads(text)
    return Dashboard(
        people=data["people"],
        programme_done=data["programme_done"],
        overdue=data["overdue"],
        due_soon=data["due_soon"],
        expiring=data["expiring"],
        policy_version=data["policy_version"],
        policy_version_label=data.get("policy_version_label"),  # absent from older snapshots
        signed_current=data["signed_current"],
        departments=[DepartmentFigures(*d) for d in data["departments"]],
        signatures=[(date.fromisoformat(w), new, total) for w, new, total in data["signatures"]],
        consent=[ConsentCoverage(p, m, counts) for p, m, counts in data["consent"]],
        computed_at=computed_at,
    )


def _save(today: date, figures: Dashboard) -> None:
    """Store `today`'s figures (and forget older days'); a concurrent writer may win, which is
    as good."""
    values = {"computed_at": figures.computed_at, "figures": to_json(figures)}
    try:
        db.session.execute(delete(DashboardSnapshot).where(DashboardSnapshot.day < today))
        stored = db.session.execute(
            update(DashboardSnapshot)
            .where(DashboardSnapshot.day == today)
            .values(**values, refresh_claimed_at=None)
        )
        if stored.rowcount == 0:
            db.session.add(DashboardSnapshot(day=today, **values))
        db.session.commit()
    except IntegrityError:  # another worker stored today's first figures meanwhile
        db.session.rollback()


def _claim(today: date, seen: datetime, now: datetime) -> bool:
    """Claim the refresh of the figures computed at `seen`: true for one caller only."""
    claimed = db.session.execute(
        update(DashboardSnapshot)
        .where(
            DashboardSnapshot.day == today,
            DashboardSnapshot.computed_at == seen,
            or_(
                DashboardSnapshot.refresh_claimed_at.is_(None),
                DashboardSnapshot.refresh_claimed_at < now - CLAIM_TIMEOUT,
            ),
        )
        .values(refresh_claimed_at=now)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _in_thread(task: Callable[[], None]) -> None:
    threading.Thread(target=task, name="dashboard-refresh", daemon=True).start()


def recent(
    today: date,
    max_age: float,
    refresh: bool = False,
    background: Callable[[Callable[[], None]], None] = _in_thread,
) -> Dashboard:
    """The dashboard for `today`, computed at most `max_age` seconds ago, or being recomputed
    (by `background`) while these are shown. `refresh`, or a max age of 0, computes now."""
    if refresh or max_age <= 0:
        figures = dashboard(today)
        _save(today, figures)
        return figures
    kept = db.session.get(DashboardSnapshot, today)
    if kept is None:
        figures = dashboard(today)
        _save(today, figures)
        return figures
    figures = from_json(kept.figures, kept.computed_at)
    now = utcnow()
    if (now - kept.computed_at).total_seconds() >= max_age and _claim(today, kept.computed_at, now):
        app = current_app._get_current_object()

        def recompute() -> None:
            with app.app_context():
                try:
                    _save(today, dashboard(today))
                except Exception:  # the claim times out and a later view tries again
                    log.exception("refreshing the HR dashboard failed")
                finally:
                    db.session.remove()

        background(recompute)
    return figures


def latest_computed_at() -> datetime | None:
    """When the newest stored figures were computed (for tests and monitoring)."""
    return db.session.scalar(
        select(DashboardSnapshot.computed_at).order_by(DashboardSnapshot.day.desc())
    )
