"""HR reports: the dashboard with its charts, quiz insight, and the evidence exports (CSV)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from app.consent import decisions, texts
from app.core import when
from app.database import writes_on_get
from app.hr_reports import charts, exports, quiz_insight, snapshots
from app.models.types import utcnow
from app.permissions import HR_READERS, role_required
from app.web import client_info, csv_download

bp = Blueprint("hr_reports", __name__)
bp.add_app_template_global(HR_READERS, "hr_reader_roles")


def _signature_points(weeks: list[tuple[date, int, int]]) -> list[tuple[str, int]]:
    """The running total by week, starting from zero the week before the first signature, so
    that a rollout's first week draws a rising line rather than a single invisible point."""
    if not weeks:
        return []
    start = weeks[0][0] - timedelta(days=7)
    return [(when.day(start, "medium"), 0)] + [
        (when.day(week, "medium"), total) for week, _new, total in weeks
    ]


@bp.route("")
@writes_on_get  # the shared figures may be stored, or their refresh claimed
@role_required(*HR_READERS)
def dashboard():
    """Completion, signatures, consent coverage and deadlines at a glance, with charts."""
    figures = snapshots.recent(
        utcnow().date(),
        current_app.config["HR_DASHBOARD_MAX_AGE_SECONDS"],
        refresh=request.args.get("refresh") == "1",
    )
    titles = texts.titles(str(get_locale()))
    coverage_labels = [
        f"{titles.get(c.purpose_id, c.purpose_id)} — {decisions.medium_label(c.medium)}"
        for c in figures.consent
    ]
    return render_template(
        "hr_reports/dashboard.html",
        figures=figures,
        department_bars=charts.hbars(
            [(d.name, d.rate, f"{d.rate} %") for d in figures.departments]
        ),
        signature_line=charts.cumulative_line(_signature_points(figures.signatures)),
        consent_rows=charts.stacked(
            [
                (label, list(c.counts.items()))
                for label, c in zip(coverage_labels, figures.consent, strict=True)
            ]
        ),
        coverage_labels=coverage_labels,
        state_labels=exports.consent_state_labels(),
        chart=charts,
    )


@bp.route("/quiz-insight")
@role_required(*HR_READERS)
def quiz_insight_page():
    """Quiz questions by share of first attempts that missed them, most-missed first."""
    return render_template(
        "hr_reports/quiz_insight.html", questions=quiz_insight.insight(str(get_locale()))
    )


@bp.route("/exports/signatures.csv")
@writes_on_get
@role_required(*HR_READERS)
def signatures_csv():
    """Every signed acknowledgement as CSV (streamed, audited)."""
    lines = exports.signature_lines(
        bom=request.args.get("bom") == "1", actor=current_user, client=client_info()
    )
    return csv_download(lines, "signatures.csv")


@bp.route("/exports/consent-events.csv")
@writes_on_get
@role_required(*HR_READERS)
def consent_events_csv():
    """Every image-consent event as CSV (streamed, audited)."""
    lines = exports.consent_event_lines(
        bom=request.args.get("bom") == "1", actor=current_user, client=client_info()
    )
    return csv_download(lines, "consent-events.csv")
