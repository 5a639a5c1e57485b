"""The HR dashboard: figures from the records, accessible charts, bounded queries."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from app.extensions import db
from app.hr_reports import charts, dashboard, snapshots
from app.models.dashboard import DashboardSnapshot
from app.models.types import utcnow
from tests.consent_helpers import decide
from tests.hr_helpers import login_hr, organisation, person, today
from tests.policy_helpers import publish


def test_dashboard_counts_match_the_records(client, auth, hr, app):
    publish(1)
    from app.consent import texts

    texts.sync_from_files(actor=None)
    hr.start_date = today()
    late = person("late@example.com", "Lina Late", department="Ventes", started_days_ago=40)
    person("soon@example.com", "Sam Soon", department="Ventes", started_days_ago=10)
    decide(late, "company-website", "photo", "granted", until=today() + timedelta(days=5))
    figures = dashboard.dashboard(today())
    assert figures.people == 3
    assert figures.overdue == 1
    assert figures.due_soon == 1
    assert figures.expiring == 1
    assert figures.programme_done == 0 and figures.completion_rate == 0
    website = [c for c in figures.consent if c.medium == "photo"][0]
    assert sum(website.counts.values()) == 3
    assert {d.name for d in figures.departments} == {"RH", "Ventes"}


def test_dashboard_page_has_accessible_charts(client, auth, app):
    organisation(30)
    login_hr(auth)
    body = client.get("/hr").get_data(as_text=True)
    assert body.count('role="img"') == 3
    for chart_id in ("dep", "sig", "consent"):
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in body
        assert f'<title id="{chart_id}-title">' in body
    assert body.count("Show the data") == 3
    assert "style=" not in body
    assert re.search(r"<td>\d+ %</td>", body)


def test_dashboard_queries_do_not_grow_with_people(client, auth, app, count_queries):
    organisation(5)
    login_hr(auth)
    client.get("/hr")
    db.session.commit()
    with count_queries() as small:
        client.get("/hr")
    from app.demo import bulk

    bulk.generate(60, seed=11)
    db.session.commit()
    with count_queries() as large:
        client.get("/hr")
    assert small.count == large.count


def test_employee_and_communications_are_refused(client, auth, employee):
    from app.models.user import Role
    from tests.conftest import make_user

    auth.login(employee.email)
    assert client.get("/hr").status_code == 403
    auth.logout()
    make_user("com@example.com", "Coline Com", role=Role.COMMUNICATIONS)
    auth.login("com@example.com")
    assert client.get("/hr").status_code == 403


def test_chart_geometry():
    bars = charts.hbars([("A", 100, "100 %"), ("B", 50, "50 %"), ("C", 0, "0 %")])
    assert bars[0].width == charts.bar_area() and bars[1].width == charts.bar_area() / 2
    assert bars[2].width == 0 and [b.y for b in bars] == [0, charts.ROW, 2 * charts.ROW]
    row = charts.stacked([("P", [("granted", 3), ("never", 1)])])[0]
    assert row.segments[0].width == 0.75 * charts.STACK_WIDTH
    assert row.segments[1].x == row.segments[0].width
    line = charts.cumulative_line([("w1", 1), ("w2", 4)])
    assert line.top == 4 and line.points.count(",") == 2
    assert charts.cumulative_line([]) is None


def test_signatures_are_counted_per_week_from_monday(client, auth, app):
    from sqlalchemy import func, select

    from app.models.acknowledgement import Acknowledgement
    from app.models.user import User
    from app.policy import versions

    organisation(40)
    figures = dashboard.dashboard(today())
    current = versions.current_version()
    signed = db.session.scalar(
        select(func.count())
        .select_from(Acknowledgement)
        .join(User, User.id == Acknowledgement.user_id)
        .where(Acknowledgement.policy_version_id == current.id, User.active.is_(True))
    )
    assert signed > 0 and figures.signed_current == signed
    weeks = [week for week, _new, _total in figures.signatures]
    assert weeks == sorted(set(weeks)) and all(week.weekday() == 0 for week in weeks)
    assert sum(new for _week, new, _total in figures.signatures) == signed
    assert figures.signatures[-1][2] == signed


def test_recent_figures_are_reused_stamped_and_refreshed_on_demand(client, auth, app):
    organisation(10)
    login_hr(auth)
    app.config["HR_DASHBOARD_MAX_AGE_SECONDS"] = 60
    first = client.get("/hr").get_data(as_text=True)
    assert "Figures as of" in first and "Refresh now" in first
    people = dashboard.dashboard(today()).people
    assert f"of {people} people" in first
    person("new@example.com", "Nora Nouvelle", department="Ventes", started_days_ago=1)
    assert f"of {people} people" in client.get("/hr").get_data(as_text=True)  # within a minute
    refreshed = client.get("/hr?refresh=1").get_data(as_text=True)
    assert f"of {people + 1} people" in refreshed
    app.config["HR_DASHBOARD_MAX_AGE_SECONDS"] = 0  # no reuse: every view computes
    person("newer@example.com", "Noé Nouveau", department="Ventes", started_days_ago=1)
    assert f"of {people + 2} people" in client.get("/hr").get_data(as_text=True)


def test_stored_figures_read_back_exactly(app):
    publish(1)
    organisation(40)
    figures = dashboard.dashboard(today())
    text = snapshots.to_json(figures)
    assert snapshots.from_json(text, figures.computed_at) == figures


def _age_snapshot(minutes: int, claimed_minutes_ago: int | None = None) -> None:
    now = utcnow()
    claimed = None if claimed_minutes_ago is None else now - timedelta(minutes=claimed_minutes_ago)
    db.session.execute(
        update(DashboardSnapshot).values(
            computed_at=now - timedelta(minutes=minutes), refresh_claimed_at=claimed
        )
    )
    db.session.commit()


def test_old_figures_are_shown_while_one_worker_recomputes_them(app):
    organisation(10)
    first = snapshots.recent(today(), 60)
    person("new@example.com", "Nora Nouvelle", department="Ventes", started_days_ago=1)
    _age_snapshot(minutes=5)
    tasks = []
    stale = snapshots.recent(today(), 60, background=tasks.append)
    assert stale.people == first.people  # nobody waits for the new figures
    assert len(tasks) == 1
    # Other workers asking meanwhile see the same figures and start no second refresh.
    assert snapshots.recent(today(), 60, background=tasks.append).people == first.people
    assert len(tasks) == 1
    tasks[0]()  # the refresh, as the background thread runs it (its own session)
    db.session.expire_all()
    fresh = snapshots.recent(today(), 60, background=tasks.append)
    assert fresh.people == first.people + 1
    assert len(tasks) == 1
    assert db.session.get(DashboardSnapshot, today()).refresh_claimed_at is None


def test_a_refresh_left_unfinished_is_claimed_again_after_a_while(app):
    organisation(5)
    snapshots.recent(today(), 60)
    tasks = []
    _age_snapshot(minutes=5, claimed_minutes_ago=1)  # a worker is on it
    snapshots.recent(today(), 60, background=tasks.append)
    assert tasks == []
    _age_snapshot(minutes=5, claimed_minutes_ago=10)  # that worker died
    snapshots.recent(today(), 60, background=tasks.append)
    assert len(tasks) == 1


def test_a_failed_refresh_keeps_the_old_figures(app, monkeypatch, caplog):
    organisation(5)
    first = snapshots.recent(today(), 60)
    _age_snapshot(minutes=5)
    tasks = []
    snapshots.recent(today(), 60, background=tasks.append)

    def broken(day):
        raise RuntimeError("database went away")

    monkeypatch.setattr(snapshots, "dashboard", broken)
    tasks[0]()
    assert "refreshing the HR dashboard failed" in caplog.text
    db.session.expire_all()
    assert snapshots.recent(today(), 60, background=tasks.append).people == first.people


def test_yesterdays_figures_are_never_shown_today(app):
    organisation(5)
    yesterday = today() - timedelta(days=1)
    snapshots.recent(yesterday, 60)
    person("new@example.com", "Nora Nouvelle", department="Ventes", started_days_ago=1)
    tasks = []
    figures = snapshots.recent(today(), 60, background=tasks.append)
    assert figures.people == dashboard.dashboard(today()).people and tasks == []
    assert db.session.get(DashboardSnapshot, yesterday) is None  # forgotten


def test_cron_computes_the_days_figures_before_anyone_looks(app):
    organisation(5)
    result = app.test_cli_runner().invoke(args=["dashboard", "refresh"])
    assert result.exit_code == 0, result.output
    people = dashboard.dashboard(today()).people
    assert f"for {people} people" in result.output
    tasks = []
    shown = snapshots.recent(today(), 3600, background=tasks.append)
    assert shown.people == people and tasks == []  # stored, fresh: nothing to compute
    assert snapshots.latest_computed_at() == shown.computed_at
