"""Geometry of the dashboard's server-side SVG charts (pure functions: numbers in, shapes out)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 190
ROW = 30
BAR = 20


@dataclass(frozen=True)
class Bar:
    """One horizontal bar: its row, label, length and the value written after it."""

    y: int
    label: str
    width: float
    text: str


@dataclass(frozen=True)
class Segment:
    """One coloured part of a stacked bar."""

    css: str
    x: float
    width: float
    count: int


@dataclass(frozen=True)
class StackedRow:
    """One stacked bar (a purpose and medium) split by consent state."""

    y: int
    label: str
    segments: list[Segment]


@dataclass(frozen=True)
class LineChart:
    """A cumulative line: polyline points and the labels of both axes' ends."""

    points: str
    dots: list[tuple[float, float]]
    first: str
    last: str
    top: int
    height: int


def bar_area() -> int:
    """Horizontal room left for the bars after the labels and the value text."""
    return WIDTH - LABEL_WIDTH - 60


def hbars(items: list[tuple[str, float, str]], maximum: float = 100.0) -> list[Bar]:
    """Bars for (label, value, text) rows, scaled so that `maximum` fills the bar area."""
    scale = bar_area() / maximum if maximum else 0
    return [
        Bar(y=i * ROW, label=label, width=round(max(0.0, value) * scale, 1), text=text)
        for i, (label, value, text) in enumerate(items)
    ]


STACK_ROW = 48
STACK_WIDTH = WIDTH - 20


def stacked(rows: list[tuple[str, list[tuple[str, int]]]]) -> list[StackedRow]:
    """Full-width bars (label above each) split in proportion to each state's count."""
    result = []
    for i, (label, parts) in enumerate(rows):
        total = sum(count for _css, count in parts) or 1
        x = 0.0
        segments = []
        for css, count in parts:
            width = round(count / total * STACK_WIDTH, 1)
            segments.append(Segment(css=css, x=round(x, 1), width=width, count=count))
            x += width
        result.append(StackedRow(y=i * STACK_ROW, label=label, segments=segments))
    return result


def cumulative_line(points: list[tuple[str, int]], height: int = 180) -> LineChart | None:
    """A rising line through (label, running total) points, or None with no point."""
    if not points:
        return None
    top = max(total for _label, total in points) or 1
    left, right = 50, WIDTH - 20
    step = (right - left) / max(1, len(points) - 1)
    dots = []
    for i, (_label, total) in enumerate(points):
        x = left + i * step if len(points) > 1 else (left + right) / 2
        y = 10 + (height - 20) * (1 - total / top)
        dots.append((round(x, 1), round(y, 1)))
    return LineChart(
        points=" ".join(f"{x:.1f},{y:.1f}" for x, y in dots),
        dots=dots,
        first=points[0][0],
        last=points[-1][0],
        top=top,
        height=height,
    )
