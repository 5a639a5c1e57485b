"""Escalation of overdue items: after N days the person's manager is told, after M days HR.

Run by the scheduled reminders job (and `flask reminders escalate`) with an explicit `today`.
Each (person, item, due date, stage) is escalated once: the EscalationNotice row is inserted
first, in a savepoint, and its unique key makes a rerun (or a second host) skip it. The notice
and its audit entry land on the person's timeline; the manager's team page counts them; mail
goes out when a mail server is configured.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.assignments import due_labels, reminders
from app.core import audit, settings
from app.core.audit_actions import AuditAction
from app.core.client import ClientInfo
from app.core.mail import mail_configured, send_mail
from app.extensions import db
from app.models.reminder import EscalationNotice
from app.models.user import Role, User

log = logging.getLogger(__name__)
MANAGER, HR = "manager", "hr"

MANAGER_DAYS = settings.SettingSpec(
    "escalation.manager_days",
    "int",
    7,
    _l("Days overdue before the manager is told"),
    _l("Reminders"),
    _l("0: never. The person's manager (from the directory, the import or HR) is told once."),
    minimum=0,
    maximum=365,
)
HR_DAYS = settings.SettingSpec(
    "escalation.hr_days",
    "int",
    21,
    _l("Days overdue before HR is told"),
    _l("Reminders"),
    _l("0: never. Every HR person is told once per overdue item."),
    minimum=0,
    maximum=365,
)


@dataclass
class EscalationReport:
    """What a run escalated."""

    manager: int = 0
    hr: int = 0
    notices: list[EscalationNotice] = field(default_factory=list)

    def summary(self) -> str:
        return f"escalated {self.manager} to managers, {self.hr} to HR"


def _stages(days: int, has_manager: bool) -> list[str]:
    manager_days, hr_days = settings.get(MANAGER_DAYS), settings.get(HR_DAYS)
    stages = []
    if manager_days and has_manager and days >= manager_days:
        stages.append(MANAGER)
    if hr_days and days >= hr_days:
        stages.append(HR)
    return stages


def _claim(
    person: User, item_key: str, due_on: date, stage: str, days: int, notified: User | None
) -> EscalationNotice | None:
    """Insert the notice in a savepoint; None when it was already there (never twice)."""
    notice = EscalationNotice(
        user_id=person.id,
        item_key=item_key,
        due_on=due_on,
        stage=stage,
        days_overdue=days,
        notified_user_id=notified.id if notified else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(notice)
    except IntegrityError:
        return None
    return notice


def _already(user_ids: list[int]) -> set[tuple[int, str, date, str]]:
    found: set[tuple[int, str, date, str]] = set()
    for start in range(0, len(user_ids), 900):
        chunk = user_ids[start : start + 900]
        for row in db.session.execute(
            select(
                EscalationNotice.user_id,
                EscalationNotice.item_key,
                EscalationNotice.due_on,
                EscalationNotice.stage,
            ).where(EscalationNotice.user_id.in_(chunk))
        ):
            found.add(tuple(row))  # type: ignore[arg-type]
    return found


def run(today: date, client: ClientInfo | None = None) -> EscalationReport:
    """Escalate every overdue item that reached a stage's delay and was not escalated yet."""
    client = client or ClientInfo.system()
    report = EscalationReport()
    if not settings.get(MANAGER_DAYS) and not settings.get(HR_DAYS):
        return report
    late = reminders.candidates(today, overdue_only=True)
    done = _already([c.user.id for c in late])
    managers = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(
                User.id.in_({c.user.manager_id for c in late if c.user.manager_id}),
                User.active.is_(True),
            )
        )
    }
    for candidate in late:
        person = candidate.user
        manager = managers.get(person.manager_id) if person.manager_id else None
        for item in candidate.items:
            if not item.overdue(today):
                continue
            days = (today - item.due_on).days
            for stage in _stages(days, manager is not None):
                if (person.id, item.key, item.due_on, stage) in done:
                    continue
                notified = manager if stage == MANAGER else None
                notice = _claim(person, item.key, item.due_on, stage, days, notified)
                if notice is None:
                    continue
                audit.record(
                    AuditAction.ESCALATION_NOTIFIED,
                    actor=None,
                    subject=person,
                    target_type="escalation_notice",
                    target_id=notice.id,
                    details={
                        "item": item.key,
                        "due_on": item.due_on.isoformat(),
                        "stage": stage,
                        "days_overdue": days,
                        "notified_user_id": notice.notified_user_id,
                    },
                    client=client,
                )
                report.notices.append(notice)
                if stage == MANAGER:
                    report.manager += 1
                else:
                    report.hr += 1
    db.session.commit()
    if report.notices and mail_configured():
        _mail(report)
    return report


def _mail(report: EscalationReport) -> None:
    """One message per notice to the manager, or to every active HR person (best effort)."""
    hr_people = list(
        db.session.scalars(
            select(User).where(User.role.in_([Role.HR.value]), User.active.is_(True))
        )
    )
    for notice in report.notices:
        person = db.session.get(User, notice.user_id)
        boss = db.session.get(User, notice.notified_user_id) if notice.notified_user_id else None
        recipients = ([boss] if boss else []) if notice.stage == MANAGER else hr_people
        for recipient in recipients:
            if person is None:
                break
            with force_locale(recipient.locale):
                subject = _("%(name)s is overdue", name=person.full_name)
                body = ngettext(
                    "%(name)s has been overdue for %(num)d day with: %(item)s (due %(due)s).",
                    "%(name)s has been overdue for %(num)d days with: %(item)s (due %(due)s).",
                    notice.days_overdue,
                    name=person.full_name,
                    item=due_labels.label(notice.item_key, recipient.locale),
                    due=format_date(notice.due_on),
                )
            try:
                send_mail(recipient.email, subject, body)
            except (smtplib.SMTPException, OSError):  # the notice stays on the timeline
                log.warning("escalation mail to %s failed", recipient.email)


def notices_for(user: User) -> list[EscalationNotice]:
    """The person's escalations, oldest first (their timeline)."""
    return list(
        db.session.scalars(
            select(EscalationNotice)
            .where(EscalationNotice.user_id == user.id)
            .order_by(EscalationNotice.id)
        )
    )
