"""The weekly digest of a manager's team: in the app, and by email when mail is configured.

The scheduled `notices` job runs it every hour; a manager gets it once per ISO week (the first
run of the week, on Monday): the in-app notice is keyed by the week, and only the run that
inserts it sends the email, so a rerun or a second host sends nothing more. It summarises what
the team page shows (who is overdue, what falls due within seven days, what was done in the
last seven days), with quiz scores only when the administrator allows managers to see them and
nothing of anyone's image consents.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from app.assignments import due_labels
from app.core.mail import mail_configured, send_mail
from app.extensions import db
from app.hr_reports import team
from app.models.user import User
from app.notifications import service
from app.web import public_url

log = logging.getLogger(__name__)
KIND = "team_digest"


@dataclass(frozen=True)
class DigestReport:
    """What a run did."""

    notified: int = 0
    mailed: int = 0

    def summary(self) -> str:
        return f"team digests: {self.notified} managers notified, {self.mailed} mailed"


def week_key(today: date) -> str:
    """The notice key of the week `today` falls in (ISO year and week)."""
    year, week, _day = today.isocalendar()
    return f"team-digest:{year}-W{week:02d}"


def managers_to_notify() -> list[User]:
    """Active people with at least one active direct report."""
    boss_ids = select(User.manager_id).where(User.active.is_(True), User.manager_id.is_not(None))
    return list(
        db.session.scalars(
            select(User).where(User.id.in_(boss_ids), User.active.is_(True)).order_by(User.id)
        )
    )


def run(today: date) -> DigestReport:
    """Notify (and mail) every manager who has not had this week's digest yet."""
    notified = mailed = 0
    key = week_key(today)
    mail = mail_configured() and bool(current_app.config.get("CHARTE_BASE_URL"))
    for manager in managers_to_notify():
        rows = team.rows(manager, today)
        if not rows:
            continue
        digest = team.digest(manager, rows, today)
        params = {
            "people": len(rows),
            "overdue": len(digest.overdue),
            "due_soon": len(digest.due_next_week),
            "completed": digest.completed,
            "signed": digest.signed,
            "week": key.rsplit(":", 1)[1],
        }
        inserted = service.add_once(service.Notice(manager.id, KIND, key, params, "team.index"))
        db.session.commit()  # the notice first: the email goes out at most once
        if not inserted:
            continue
        notified += 1
        if mail and _mail(manager, rows, digest, today):
            mailed += 1
    return DigestReport(notified, mailed)


def _line(row: team.TeamRow, when: date, overdue: bool, locale: str) -> str:
    items = row.status.due.overdue if overdue else row.status.due.items
    labels = ", ".join(
        due_labels.label(item.key, locale)
        for item in items
        if not item.done and (overdue or item.due_on == when)
    )
    if overdue:
        text = _("%(name)s: overdue since %(date)s (%(what)s)", name=row.user.full_name,
                 date=format_date(when), what=labels)  # fmt: skip
    else:
        text = _("%(name)s: due on %(date)s (%(what)s)", name=row.user.full_name,
                 date=format_date(when), what=labels)  # fmt: skip
    if row.quiz_score is not None:  # only when managers may see quiz scores
        text += " — " + _("quiz score %(score)d%%", score=row.quiz_score)
    return "  - " + text


def body(manager: User, rows: list[team.TeamRow], digest: team.Digest, today: date) -> str:
    """The email's text, in the manager's locale (the caller forces it)."""
    lines = [
        _("Hello %(name)s,", name=manager.full_name),
        "",
        ngettext(
            "Your team this week (%(num)d person):",
            "Your team this week (%(num)d people):",
            len(rows),
        ),
        "",
        ngettext("%(num)d person is overdue.", "%(num)d people are overdue.", len(digest.overdue)),
    ]
    for row in digest.overdue:
        first = min(item.due_on for item in row.status.due.overdue)
        lines.append(_line(row, first, True, manager.locale))
    lines.append(
        ngettext(
            "%(num)d person has something due within 7 days.",
            "%(num)d people have something due within 7 days.",
            len(digest.due_next_week),
        )
    )
    for row in digest.due_next_week:
        assert row.status.due.next_due is not None  # noqa: S101 - selected for it
        lines.append(_line(row, row.status.due.next_due, False, manager.locale))
    lines += [
        ngettext(
            "Done in the last 7 days: %(num)d module completed,",
            "Done in the last 7 days: %(num)d modules completed,",
            digest.completed,
        )
        + " "
        + ngettext("%(num)d policy signature.", "%(num)d policy signatures.", digest.signed),
        "",
        _("See your team: %(link)s", link=public_url("team.index")),
    ]
    return "\n".join(lines) + "\n"


def _mail(manager: User, rows: list[team.TeamRow], digest: team.Digest, today: date) -> bool:
    """Send the digest by email (best effort: the in-app notice is there anyway)."""
    with force_locale(manager.locale):
        subject = _("Your team this week")
        text = body(manager, rows, digest, today)
    try:
        send_mail(manager.email, subject, text)
    except (smtplib.SMTPException, OSError):
        log.warning("team digest mail to %s failed", manager.email)
        return False
    return True
