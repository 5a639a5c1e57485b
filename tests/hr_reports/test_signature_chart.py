"""The signatures-over-time chart draws a line from the first week of a rollout (issue 20)."""

from __future__ import annotations

from datetime import date

from app.hr_reports import charts
from app.hr_reports.routes import _signature_points


def test_first_week_draws_a_rising_line(app):
    points = _signature_points([(date(2026, 11, 23), 3, 3)])
    assert [total for _label, total in points] == [0, 3]
    line = charts.cumulative_line(points)
    assert line is not None
    xs = {x for x, _y in line.dots}
    ys = {y for _x, y in line.dots}
    assert len(xs) == 2 and len(ys) == 2, line
    assert line.first != line.last
    assert "2026-11" not in line.first + line.last  # a day in words, not an ISO date


def test_no_signature_draws_no_chart(app):
    assert charts.cumulative_line(_signature_points([])) is None
