"""The reminders a person received, as they see them: on their Me page and in their data export."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from app.assignments import due_labels
from app.extensions import db
from app.models.reminder import ReminderSent
from app.models.user import User
from app.privacy import export, me_page


def _all(user: User) -> list[ReminderSent]:
    return list(
        db.session.scalars(
            select(ReminderSent)
            .where(ReminderSent.user_id == user.id)
            .order_by(ReminderSent.sent_at.desc(), ReminderSent.id.desc())
        )
    )


def me_section(user: User, ctx: me_page.MeContext) -> me_page.MeSection | None:
    """Every reminder sent to the person, newest first, with what it listed (none: no section)."""
    sent = _all(user)
    if not sent:
        return None
    rows = [
        {
            "sent_at": reminder.sent_at,
            "by_hr": reminder.sent_by_id is not None,
            "items": [
                (
                    due_labels.label(item["key"], ctx.locale),
                    date.fromisoformat(item["due_on"]),
                    item["overdue"],
                )
                for item in reminder.items
            ],
        }
        for reminder in sent
    ]
    return me_page.MeSection("reminders", _("Reminders received"), "me/_reminders.html", rows)


def export_part(user: User, ctx: export.ExportContext) -> export.ExportPart:
    """The reminders sent to the person, as recorded (what each listed, when, how)."""
    return export.ExportPart(
        "reminders",
        [
            {
                "sent_at": reminder.sent_at.isoformat(),
                "channel": reminder.channel,
                "sent_by_hr": reminder.sent_by_id is not None,
                "items": [
                    {"what": item["key"], "due_on": item["due_on"], "overdue": item["overdue"]}
                    for item in reminder.items
                ],
            }
            for reminder in _all(user)
        ],
    )
