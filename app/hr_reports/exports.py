"""CSV exports for HR and auditors: the filtered employee list, every signature, every consent event.

Each export is audited (and committed) before its first line, then streamed: rows come from the
database in batches (`yield_per`), so 50,000 people never sit in memory at once. Every cell
goes through `directory.csv_cell`, which neutralises spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

from flask_babel import get_locale, get_timezone, to_user_timezone
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.consent import decisions, texts
from app.core import audit
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.extensions import db
from app.hr_reports import employee_list, export_rows
from app.models.acknowledgement import Acknowledgement
from app.models.consent import ConsentEvent, ConsentPurpose
from app.models.policy import PolicyText, PolicyVersion
from app.models.user import User
from app.people.directory import csv_cell, csv_line, excel_delimiter
from app.policy import versions

BATCH = 1000
BOM = "\ufeff"


def policy_state_labels() -> dict[str, str]:
    """A policy status in the reader's language."""
    return {
        "current": _("Current version signed"),
        "outdated": _("Older version signed"),
        "never": _("Never signed"),
        "unpublished": _("No policy published"),
    }


def consent_state_labels() -> dict[str, str]:
    """A consent state in the reader's language."""
    return {
        decisions.GRANTED: _("Granted"),
        decisions.REFUSED: _("Refused"),
        decisions.REVOKED: _("Revoked"),
        decisions.EXPIRED: _("Expired"),
        decisions.NEVER: _("Never asked"),
    }


def account_state(user: User) -> str:
    """Active, invited (no password yet) or deactivated, in the reader's language."""
    if not user.active:
        return _("Deactivated")
    return _("Active") if user.password_hash else _("Invited")


def _iso(value: date | datetime | None) -> str:
    """A day as YYYY-MM-DD (spreadsheets read it as a date); a time stamp's day is the
    organisation's, not UTC's."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_user_timezone(value if value.tzinfo else value.replace(tzinfo=UTC)).date()
    return value.isoformat()


def _utc_stamp(value: datetime | None) -> str:
    """A UTC time to the second, as spreadsheets read it: 2026-11-29 23:14:05."""
    if value is None:
        return ""
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _start(bom: bool) -> tuple[str, str]:
    """The file's first characters and its cell separator.

    The plain export is RFC 4180 (comma, no BOM). The "for Excel" export starts with a BOM (so
    accents display) and uses the separator Excel expects in the reader's locale (";" in French).
    """
    return (BOM, excel_delimiter()) if bom else ("", ",")


def _yes(flag: bool) -> str:
    return _("yes") if flag else _("no")


def _audited(action: AuditAction, details: dict, actor: User, client: ClientInfo) -> None:
    audit.record(action, actor=actor, target_type="export", details=details, client=client)
    db.session.commit()


def employee_lines(
    flt: employee_list.ListFilter, today: date, *, bom: bool, actor: User, client: ClientInfo
) -> Iterator[str]:
    """Audit the export of the filtered list, then return its CSV lines (a generator)."""
    _audited(AuditAction.EXPORT_EMPLOYEES, {"filter": flt.args(), "bom": bom}, actor, client)
    labels = policy_state_labels()
    first, sep = _start(bom)

    def lines() -> Iterator[str]:
        header = [
            _("Name"),
            _("Email"),
            _("Department"),
            _("Job title"),
            _("Account"),
            _("Modules completed"),
            _("Modules required"),
            _("Overdue"),
            _("Due this week"),
            _("Next due date"),
            _("Policy"),
            _("Purposes granted"),
            _("Purposes asked"),
            _("Last activity"),
        ]
        yield first + csv_line(header, sep)
        # 50,000 lines: the fixed labels are translated and neutralised once, not once a row,
        # and one writer serves every line. The free-text cells go through csv_cell on each
        # row; numbers and ISO days cannot start a formula.
        yes_no = {flag: csv_cell(_yes(flag)) for flag in (True, False)}
        active, deactivated = csv_cell(_("Active")), csv_cell(_("Deactivated"))
        accounts = {
            (False, False): deactivated,
            (False, True): deactivated,
            (True, False): active,
            (True, True): csv_cell(_("Invited")),
        }
        states = {key: csv_cell(label) for key, label in labels.items()}
        zone = get_timezone()
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=sep)

        def day_of(stamp: datetime | None) -> str:
            """As `_iso`, with the organisation's time zone looked up once."""
            if stamp is None:
                return ""
            stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
            return zone.normalize(stamp.astimezone(zone)).date().isoformat()

        # One streamed statement for everyone (app/hr_reports/export_rows.py).
        for row in export_rows.rows(flt, today):
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(
                (
                    csv_cell(row.full_name),
                    csv_cell(row.email),
                    csv_cell(row.department),
                    csv_cell(row.job_title),
                    accounts[(row.active, row.invited)],
                    row.completed,
                    row.required,
                    yes_no[row.overdue],
                    yes_no[row.due_soon],
                    row.next_due.isoformat() if row.next_due else "",
                    states.get(row.policy_state, row.policy_state),
                    row.consent_granted,
                    row.consent_purposes,
                    day_of(row.last_activity),
                )
            )
            yield buffer.getvalue()

    return lines()


def signature_lines(*, bom: bool, actor: User, client: ClientInfo) -> Iterator[str]:
    """Audit the export, then return every acknowledgement as CSV lines (oldest first)."""
    _audited(AuditAction.EXPORT_SIGNATURES, {"bom": bom}, actor, client)
    first, sep = _start(bom)
    query = (
        select(
            Acknowledgement.code,
            User.email,
            User.full_name,
            User.department,
            PolicyVersion.version,
            Acknowledgement.locale,
            Acknowledgement.typed_name,
            Acknowledgement.signed_at,
            Acknowledgement.auth_method,
            Acknowledgement.text_sha256,
            Acknowledgement.mac,
            PolicyText.minor,
        )
        .join(User, User.id == Acknowledgement.user_id)
        .join(PolicyVersion, PolicyVersion.id == Acknowledgement.policy_version_id)
        # The revision whose text was signed: "3.1" when it was a minor revision's text.
        .outerjoin(PolicyText, versions.signed_text_condition())
        .order_by(Acknowledgement.id)
        .execution_options(yield_per=BATCH)
    )

    def lines() -> Iterator[str]:
        header = [
            _("Code"),
            _("Email"),
            _("Name"),
            _("Department"),
            _("Policy version"),
            _("Language"),
            _("Typed name"),
            _("Signed at (UTC)"),
            _("Sign-in method"),
            _("Text SHA-256"),
            _("MAC"),
        ]
        yield first + csv_line(header, sep)
        for row in db.session.execute(query):
            values = list(row)
            values[4] = versions.revision_label(values[4], values.pop())
            values[7] = _utc_stamp(values[7])
            yield csv_line(values, sep)

    return lines()


def consent_event_lines(*, bom: bool, actor: User, client: ClientInfo) -> Iterator[str]:
    """Audit the export, then return every consent event as CSV lines (in recording order)."""
    _audited(AuditAction.EXPORT_CONSENT_EVENTS, {"bom": bom}, actor, client)
    first, sep = _start(bom)
    titles = texts.titles(str(get_locale()))
    recorder = aliased(User)
    query = (
        select(
            ConsentEvent.code,
            User.email,
            User.full_name,
            User.department,
            ConsentPurpose.id,
            ConsentEvent.medium,
            ConsentEvent.decision,
            ConsentEvent.valid_from,
            ConsentEvent.valid_until,
            ConsentEvent.recorded_at,
            ConsentEvent.on_behalf,
            ConsentEvent.paper_reference,
            recorder.email,
            ConsentEvent.text_version,
            ConsentEvent.text_locale,
            ConsentEvent.text_sha256,
            ConsentEvent.mac,
        )
        .join(User, User.id == ConsentEvent.user_id)
        .join(ConsentPurpose, ConsentPurpose.id == ConsentEvent.purpose_id)
        .outerjoin(recorder, recorder.id == ConsentEvent.recorded_by_id)
        .order_by(ConsentEvent.id)
        .execution_options(yield_per=BATCH)
    )

    def lines() -> Iterator[str]:
        header = [
            _("Code"),
            _("Email"),
            _("Name"),
            _("Department"),
            _("Purpose"),
            _("Medium"),
            _("Decision"),
            _("Valid from"),
            _("Valid until"),
            _("Recorded at (UTC)"),
            _("Recorded from a paper form"),
            _("Paper form reference"),
            _("Recorded by"),
            _("Text version"),
            _("Text language"),
            _("Text SHA-256"),
            _("MAC"),
        ]
        yield first + csv_line(header, sep)
        for row in db.session.execute(query):
            values = list(row)
            values[4] = titles.get(values[4], "")
            values[5] = decisions.medium_label(values[5])
            values[6] = decisions.decision_label(values[6])
            values[7], values[8] = _iso(values[7]), _iso(values[8])
            values[9] = _utc_stamp(values[9])
            values[10] = _yes(bool(values[10]))
            yield csv_line(values, sep)

    return lines()
