"""What a notice says, in the reader's language (written when shown, from its kind and params)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from app.models.reminder import Notification


def _date(value: str) -> str:
    return format_date(date.fromisoformat(value), "long")


def _purpose(purpose_id: Any) -> str:
    from app.consent import texts

    return texts.titles(str(get_locale())).get(int(purpose_id), _("image use"))


def text(notice: Notification) -> str:
    """One sentence for the notice."""
    p = notice.params or {}
    kind = notice.kind
    if kind == "reminder":
        if p.get("by_hr"):
            return ngettext(
                "HR reminds you of %(num)d thing to do.",
                "HR reminds you of %(num)d things to do.",
                int(p.get("count", 0)),
            )
        return ngettext(
            "Reminder: %(num)d thing to do.",
            "Reminder: %(num)d things to do.",
            int(p.get("count", 0)),
        )
    if kind == "due":
        from app.assignments import due_labels

        label = due_labels.label(p["item"], str(get_locale()))
        if p.get("overdue"):
            return _("%(what)s: overdue since %(date)s.", what=label, date=_date(p["due_on"]))
        return _("%(what)s: due on %(date)s.", what=label, date=_date(p["due_on"]))
    if kind == "policy":
        return _(
            "Version %(version)d of the policy is published: please read and sign it.",
            version=int(p.get("version", 0)),
        )
    if kind == "consent_expiry":
        return _(
            "Your consent to “%(purpose)s” ends on %(date)s: renew it if you agree.",
            purpose=_purpose(p.get("purpose")),
            date=_date(p["until"]),
        )
    if kind == "hr_overdue":
        return ngettext(
            "%(num)d person has something overdue.",
            "%(num)d people have something overdue.",
            int(p.get("count", 0)),
        )
    if kind == "hr_reviews":
        return ngettext(
            "A consent was withdrawn: %(num)d publication needs review.",
            "A consent was withdrawn: %(num)d publications need review.",
            int(p.get("count", 0)),
        )
    if kind == "asset_takedown":
        if p.get("outcome") == "removed":
            return _(
                "“%(title)s” (%(channel)s), in which you appear, was taken down on %(date)s.",
                title=p.get("title", ""),
                channel=p.get("channel", ""),
                date=_date(p["removed_on"]) if p.get("removed_on") else "",
            )
        return _(
            "“%(title)s” (%(channel)s), in which you appear, stays published: see why.",
            title=p.get("title", ""),
            channel=p.get("channel", ""),
        )
    if kind == "asset_expired":
        return ngettext(
            "An image consent has expired: %(num)d publication to take down.",
            "An image consent has expired: %(num)d publications to take down.",
            int(p.get("count", 0)),
        )
    if kind == "team_digest":
        return _(
            "Your team this week: %(overdue)s, %(due)s, %(done)s.",
            overdue=ngettext(
                "%(num)d person overdue", "%(num)d people overdue", int(p.get("overdue", 0))
            ),
            due=ngettext(
                "%(num)d due within 7 days",
                "%(num)d due within 7 days",
                int(p.get("due_soon", 0)),
            ),
            done=ngettext(
                "%(num)d module completed", "%(num)d modules completed", int(p.get("completed", 0))
            ),
        )
    if kind == "webhook_failed":
        return _(
            "A webhook delivery to %(host)s failed after every retry.", host=p.get("host", "?")
        )
    return kind


def link(notice: Notification) -> str | None:
    """Where the notice leads (None: nowhere, or a page that no longer exists)."""
    if not notice.endpoint:
        return None
    try:
        return url_for(notice.endpoint, **(notice.endpoint_args or {}))
    except BuildError:
        return None
