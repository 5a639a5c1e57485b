"""Reminders: who has something overdue or due soon, one message each, never too often.

Each reminder reaches the person in the app (hooks.reminder_sent: the notification centre) and,
when mail is configured, by email as well; without mail it is recorded with channel "app".

Several hosts may run `flask reminders send` from cron at the same moment. Each person is
claimed before their message goes out: the ReminderSent row is inserted first (unique on user
and day), so a concurrent sender's insert waits for the first transaction and then fails; the
interval is re-checked inside the same transaction. The row and its audit entry are committed
only once the SMTP server accepted the message (a failed send records nothing).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import format_date as babel_format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.exc import IntegrityError

from app.assignments import due as assignments
from app.assignments import due_labels, due_sql
from app.core import audit, hooks, settings
from app.core.audit_actions import AuditAction
from app.core.batches import batches
from app.core.client import ClientInfo
from app.core.mail import mail_configured, send_mail
from app.database import known_none
from app.extensions import db
from app.models.reminder import REMINDERS_RECEIVED_KEY, ReminderSent
from app.models.types import utcnow
from app.models.user import User

MIN_INTERVAL = settings.SettingSpec(
    "reminders.min_interval_days",
    "int",
    7,
    _l("Days between two reminders to the same person"),
    _l("Reminders"),
    _l("Nobody receives a reminder if they received one within this many days."),
    minimum=1,
    maximum=365,
)
PREVIEW_LIMIT = 200


@dataclass(frozen=True)
class Candidate:
    """Someone with something overdue or due soon, and when they were last reminded."""

    user: User
    items: tuple[assignments.DueItem, ...]
    overdue: int
    last_sent: datetime | None
    recent: bool  # reminded within the interval: skipped this time


@dataclass
class RunReport:
    """What a run did (or, in a dry run, would do)."""

    sent: list[str] = field(default_factory=list)
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def _since(today: date) -> str:
    """The oldest claim (day) that still counts as "reminded recently"."""
    return (today - timedelta(days=settings.get(MIN_INTERVAL) - 1)).isoformat()


def _concerned(today: date, department: str, overdue_only: bool) -> tuple[Select, list[int]]:
    """Active people with something overdue (or due soon), in name order, by the SQL rules; and
    the ids of the refresher people among them, whose items only assignments.summaries knows."""
    which = due_sql.OVERDUE if overdue_only else None
    query = select(User).where(User.active.is_(True))
    if department:
        query = query.where(User.department == department)
    # Scoped to the department when there is one (everyone active is nearly everyone: no gain).
    scope = query.with_only_columns(User.id) if department else None
    conds = due_sql.conditions(today, scope)
    due = conds.overdue if overdue_only else or_(conds.overdue, conds.due_soon)
    refresher_ids: list[int] = []
    if conds.refresher is not None:
        for batch in batches(query.where(conds.refresher)):
            summaries = assignments.summaries(batch, today)
            refresher_ids += [u.id for u in batch if _has_items(summaries[u.id], which)]
    matching = due_sql.matching_any(conds, due, refresher_ids)
    return query.where(matching).order_by(User.full_name, User.id), refresher_ids


def _has_items(summary: assignments.AssignmentSummary, which: str | None) -> bool:
    return bool(summary.overdue) if which else bool(summary.overdue or summary.due_soon)


def _candidates(users: list[User], today: date, overdue_only: bool) -> list[Candidate]:
    summaries = assignments.summaries(users, today)
    since = _since(today)
    last: dict[int, tuple[datetime, str]] = {}
    ids = [u.id for u in users]
    for start in range(0, len(ids), 1000):
        rows = db.session.execute(
            select(
                ReminderSent.user_id, func.max(ReminderSent.sent_at), func.max(ReminderSent.claim)
            )
            .where(ReminderSent.user_id.in_(ids[start : start + 1000]))
            .group_by(ReminderSent.user_id)
        )
        last.update({user_id: (sent_at, claim) for user_id, sent_at, claim in rows})
    found = []
    for user in users:
        summary = summaries[user.id]
        overdue = summary.overdue
        items = tuple(sorted(overdue + summary.due_soon, key=lambda i: (i.due_on, i.key)))
        if not items or (overdue_only and not overdue):
            continue
        sent_at, claim = last.get(user.id, (None, ""))
        found.append(Candidate(user, items, len(overdue), sent_at, claim >= since))
    return found


def candidates(today: date, department: str = "", overdue_only: bool = False) -> list[Candidate]:
    """Active people with overdue or due-soon items (filtered), in name order."""
    query, _refresher_ids = _concerned(today, department, overdue_only)
    return _candidates(list(db.session.scalars(query)), today, overdue_only)


@dataclass(frozen=True)
class Preview:
    """What HR sees before sending: the first people, how many in all, how many would get one."""

    people: list[Candidate]
    total: int
    to_remind: int


def preview(
    today: date, department: str = "", overdue_only: bool = False, limit: int = PREVIEW_LIMIT
) -> Preview:
    """The first `limit` candidates with their items, and the counts, without looking at the
    items of everyone (counts are SQL: a page, not a pass over 50,000 people)."""
    query, _refresher_ids = _concerned(today, department, overdue_only)
    recent = User.id.in_(select(ReminderSent.user_id).where(ReminderSent.claim >= _since(today)))
    counted = query.order_by(None).with_only_columns(
        func.count(), func.count(case((recent, 1))), maintain_column_froms=True
    )
    total, recent_count = db.session.execute(counted).one()
    people = _candidates(list(db.session.scalars(query.limit(limit))), today, overdue_only)
    return Preview(people=people, total=total, to_remind=total - recent_count)


def received(user: User, limit: int = 5) -> list[ReminderSent]:
    """The person's latest reminders, newest first."""
    if known_none(REMINDERS_RECEIVED_KEY, user.id):
        return []
    return list(
        db.session.scalars(
            select(ReminderSent)
            .where(ReminderSent.user_id == user.id)
            .order_by(ReminderSent.sent_at.desc())
            .limit(limit)
        )
    )


def render(user: User, items: tuple[assignments.DueItem, ...], today: date, base_url: str | None):
    """(subject, plain text, HTML) of the reminder in the person's language."""
    with force_locale(user.locale):
        org = settings.organisation_variables()["organisation_name"]
        lines = [
            {
                "label": due_labels.label(item.key, user.locale),
                "link": due_labels.absolute_link(item.key, base_url or "/"),
                "due_text": babel_format_date(item.due_on, "long"),
                "overdue": item.overdue(today),
            }
            for item in items
        ]
        subject = _("Reminder: your social media training at %(org)s", org=org)
        context = {"name": user.full_name, "org": org, "items": lines, "subject": subject}
        text = render_template("reminders/email.txt", **context)
        html = render_template("reminders/email.html", locale=user.locale, **context)
    return subject, text, html


def _send_one(
    candidate: Candidate,
    today: date,
    base_url: str | None,
    sent_by: User | None,
    client: ClientInfo,
    mail: bool = True,
) -> str:
    """'sent', 'skipped' (claimed by someone else or reminded recently) or 'failed' (commits).

    By email when mail is configured and there is a base URL for the links (unless `mail` is
    False); in the app always."""
    user = candidate.user
    by_mail = mail and bool(base_url) and mail_configured()
    subject, text, html = (
        render(user, candidate.items, today, base_url) if by_mail else ("", "", "")
    )
    since = (today - timedelta(days=settings.get(MIN_INTERVAL) - 1)).isoformat()
    user_id, email, sender_id = user.id, user.email, sent_by.id if sent_by else None
    # The claim must be the first statement of its own transaction (no stale read on SQLite),
    # so nothing below may reload an expired object before the insert.
    db.session.commit()
    row = ReminderSent(
        user_id=user_id,
        claim=today.isoformat(),
        sent_at=utcnow(),
        items=[
            {"key": i.key, "due_on": i.due_on.isoformat(), "overdue": i.overdue(today)}
            for i in candidate.items
        ],
        sent_by_id=sender_id,
        channel="email" if by_mail else "app",
    )
    try:
        db.session.add(row)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return "skipped"
    recent = db.session.scalar(
        select(func.count(ReminderSent.id)).where(
            ReminderSent.user_id == user_id, ReminderSent.id != row.id, ReminderSent.claim >= since
        )
    )
    if recent:
        db.session.rollback()
        return "skipped"
    if by_mail:
        try:
            send_mail(email, subject, text, html)
        except (smtplib.SMTPException, OSError):
            db.session.rollback()
            return "failed"
    hooks.reminder_sent.emit(row)
    audit.record(
        AuditAction.REMINDER_SENT,
        actor=sent_by,
        subject=user,
        target_type="reminder_sent",
        target_id=row.id,
        details={"items": row.items, "channel": row.channel},
        client=client,
    )
    db.session.commit()
    return "sent"


def remind_one(user: User, today: date, base_url: str, sent_by: User, client: ClientInfo) -> str:
    """One person reminded by someone (their manager): 'sent', 'skipped', 'failed' or 'nothing'
    (nothing overdue or due soon). Mailed when mail is configured, else recorded for the Me page;
    the same interval rule and the same audit entry as HR's reminders."""
    from app.core.mail import mail_configured

    found = _candidates([user], today, overdue_only=False)
    if not found:
        return "nothing"
    if found[0].recent:
        return "skipped"
    return _send_one(found[0], today, base_url, sent_by, client, mail=mail_configured())


def send(
    today: date,
    base_url: str | None,
    sent_by: User | None,
    client: ClientInfo,
    department: str = "",
    overdue_only: bool = False,
    dry_run: bool = False,
    user_ids: list[int] | None = None,
) -> RunReport:
    """Remind everyone concerned (filtered; or only these people) once; a dry run only says who
    would be reminded."""
    report = RunReport()
    if user_ids is not None:
        people = list(db.session.scalars(select(User).where(User.id.in_(user_ids))))
        found = [c for c in _candidates(people, today, overdue_only) if c.user.active]
    else:
        found = candidates(today, department, overdue_only)
    for candidate in found:
        if candidate.recent:
            report.skipped += 1
            continue
        email = candidate.user.email
        if dry_run:
            report.sent.append(email)
            continue
        outcome = _send_one(candidate, today, base_url, sent_by, client)
        if outcome == "sent":
            report.sent.append(email)
        elif outcome == "failed":
            report.failed.append(email)
        else:
            report.skipped += 1
    if not dry_run:
        audit.record(
            AuditAction.REMINDERS_SENT,
            actor=sent_by,
            target_type="reminders",
            details={
                "sent": len(report.sent),
                "skipped": report.skipped,
                "failed": len(report.failed),
                "department": department or None,
                "overdue_only": overdue_only,
                "people": user_ids,
                "today": today.isoformat(),
            },
            client=client,
        )
        db.session.commit()
    return report
